"""Function-call items: a user request plus the APIs available (ToolAlpaca style). Written by us."""

from __future__ import annotations


def _api(api_name: str, description: str, **parameters: str) -> dict:
    return {"name": api_name, "description": description, "parameters": parameters}


_APIS = {
    "getForecast": _api("getForecast", "Daily weather forecast for a city.", city="Required. string.", startDate="Required. string. YYYY-MM-DD.", days="integer. Number of days, default 1."),
    "convertCurrency": _api("convertCurrency", "Convert an amount between currencies at the latest rate.", amount="Required. number.", source="Required. string. ISO code.", target="Required. string. ISO code."),
    "searchFlights": _api("searchFlights", "Search one-way flights between two airports on a date.", origin="Required. string. IATA code.", destination="Required. string. IATA code.", date="Required. string. YYYY-MM-DD."),
    "getFlightDetails": _api("getFlightDetails", "Fare rules, airline and times of one flight offer.", offerId="Required. string."),
    "getBaggagePolicy": _api("getBaggagePolicy", "Cabin and checked baggage allowance of an airline.", airline="Required. string.", fareClass="string."),
    "searchRecipes": _api("searchRecipes", "Find recipes by keywords and diet.", query="Required. string.", diet="string. e.g. vegetarian, vegan."),
    "getRecipe": _api("getRecipe", "Ingredients and steps of one recipe.", recipeId="Required. integer."),
    "getNutrition": _api("getNutrition", "Calories and macronutrients of a recipe or a food amount.", recipeId="integer.", food="string.", grams="number."),
    "addToShoppingList": _api("addToShoppingList", "Add items to the user's shopping list.", items="Required. array of strings."),
    "getAvailability": _api("getAvailability", "Free time slots of a person's calendar on a date.", person="Required. string. email.", date="Required. string."),
    "createEvent": _api("createEvent", "Create a calendar event and invite attendees.", title="Required. string.", start="Required. string.", end="Required. string.", attendees="array of strings."),
    "sendEmail": _api("sendEmail", "Send an email.", to="Required. string.", subject="Required. string.", body="Required. string."),
    "getStockQuote": _api("getStockQuote", "Latest price of a stock.", symbol="Required. string."),
    "getPriceHistory": _api("getPriceHistory", "Daily closing prices of a stock.", symbol="Required. string.", range="string. e.g. 5d, 1m."),
    "geocode": _api("geocode", "Coordinates of an address.", address="Required. string."),
    "searchPlaces": _api("searchPlaces", "Places of a category near coordinates.", category="Required. string.", lat="Required. number.", lon="Required. number.", openNow="boolean."),
    "getDirections": _api("getDirections", "Route between two points.", origin="Required. string.", destination="Required. string.", mode="string. walking, driving or transit."),
    "searchMovies": _api("searchMovies", "Find films by title, director or year.", query="Required. string."),
    "getShowtimes": _api("getShowtimes", "Cinema showtimes of a film near a postcode.", movieId="Required. integer.", postcode="Required. string.", date="string."),
    "getMovieReviews": _api("getMovieReviews", "Critic and audience ratings of a film.", movieId="Required. integer."),
    "getTopHeadlines": _api("getTopHeadlines", "Top news headlines by category and country.", category="string.", country="string.", limit="integer."),
    "translateText": _api("translateText", "Translate text into a target language.", text="Required. string.", target="Required. string. language code."),
    "searchArtist": _api("searchArtist", "Find an artist id by name.", name="Required. string."),
    "getTopTracks": _api("getTopTracks", "Most played tracks of an artist.", artistId="Required. string.", limit="integer."),
    "createPlaylist": _api("createPlaylist", "Create an empty playlist for the user.", name="Required. string."),
    "addTracksToPlaylist": _api("addTracksToPlaylist", "Add tracks to a playlist.", playlistId="Required. string.", trackIds="Required. array of strings."),
    "trackPackage": _api("trackPackage", "Delivery status and estimated date of a parcel.", trackingNumber="Required. string."),
    "searchHotels": _api("searchHotels", "Hotels in a city for given dates, with filters.", city="Required. string.", checkIn="Required. string.", checkOut="Required. string.", amenities="array of strings."),
    "getHotelDetails": _api("getHotelDetails", "Room types, prices and policies of a hotel.", hotelId="Required. string."),
    "bookHotel": _api("bookHotel", "Book a room.", hotelId="Required. string.", roomType="Required. string.", guests="integer."),
    "searchJobs": _api("searchJobs", "Job postings by keywords, location and posting date.", keywords="Required. string.", remote="boolean.", postedWithin="string. e.g. 7d."),
    "getCompanyRating": _api("getCompanyRating", "Employee rating and reviews of a company.", company="Required. string."),
    "listDevices": _api("listDevices", "Smart home devices, optionally filtered by room or floor.", floor="string.", room="string.", type="string."),
    "setDeviceState": _api("setDeviceState", "Turn a device on or off.", deviceId="Required. string.", state="Required. string. on or off."),
    "setThermostat": _api("setThermostat", "Set a thermostat's target temperature.", deviceId="Required. string.", celsius="Required. number."),
    "lockDoor": _api("lockDoor", "Lock a smart lock.", deviceId="Required. string."),
    "searchMuseums": _api("searchMuseums", "Museums in a city open on a date.", city="Required. string.", date="Required. string."),
    "getMuseumDetails": _api("getMuseumDetails", "Opening hours and ticket prices of a museum.", museumId="Required. string."),
    "searchRestaurants": _api("searchRestaurants", "Restaurants near a place, by cuisine.", near="Required. string.", cuisine="string."),
    "checkTableAvailability": _api("checkTableAvailability", "Free tables at a restaurant.", restaurantId="Required. string.", people="Required. integer.", time="Required. string."),
    "bookTable": _api("bookTable", "Reserve a table.", restaurantId="Required. string.", people="Required. integer.", time="Required. string."),
    "sendSms": _api("sendSms", "Send a text message.", phone="Required. string.", text="Required. string."),
    "getExchangeRates": _api("getExchangeRates", "Latest rates of one base currency against others.", base="Required. string.", symbols="array of strings."),
    "searchBooks": _api("searchBooks", "Find books by title, author or subject.", query="Required. string."),
    "checkLibraryAvailability": _api("checkLibraryAvailability", "Whether a library branch has a copy of a book.", isbn="Required. string.", branch="Required. string."),
    "placeHold": _api("placeHold", "Reserve a library copy for pick-up.", isbn="Required. string.", branch="Required. string."),
    "getAirQuality": _api("getAirQuality", "Current air quality index of a city.", city="Required. string."),
}


def _task(text: str, *apis: str) -> str:
    return f"Task: {text}\nThe api list you can use: {[_APIS[a] for a in apis]}"


# (user turn, subtasks, edges)
ITEMS = [
    (
        _task("I'm flying to Reykjavik on 2024-11-08 for three days. What will the weather be like, and how many Icelandic kronur do I get for 300 US dollars?", "getForecast", "convertCurrency", "getAirQuality"),
        ["Get the three-day weather forecast for Reykjavik starting 2024-11-08", "Convert 300 USD to ISK at the latest rate"],
        "(START,1) (START,2) (1,END) (2,END)",
    ),
    (
        _task("Find the cheapest flight from JFK to O'Hare on 2024-09-14 and tell me how much checked baggage that airline allows.", "searchFlights", "getFlightDetails", "getBaggagePolicy"),
        ["Search flights from JFK to ORD on 2024-09-14", "Get the fare details of the cheapest flight offer", "Get the checked baggage policy of the airline operating that flight"],
        "(START,1) (1,2) (2,3) (3,END)",
    ),
    (
        _task("Find a vegetarian lasagna recipe, tell me its calories per serving, and put its ingredients on my shopping list.", "searchRecipes", "getRecipe", "getNutrition", "addToShoppingList"),
        ["Search for vegetarian lasagna recipes", "Get the ingredients and steps of the best matching recipe", "Get the nutrition facts of that recipe", "Add the recipe's ingredients to the shopping list"],
        "(START,1) (1,2) (1,3) (2,4) (3,END) (4,END)",
    ),
    (
        _task("Set up a one-hour project sync with ana@acme.com and ben@acme.com next Tuesday (2024-06-11) when both are free, and email them the agenda.", "getAvailability", "createEvent", "sendEmail"),
        ["Get Ana's free slots on 2024-06-11", "Get Ben's free slots on 2024-06-11", "Create a one-hour project sync event in a slot free for both and invite them", "Email Ana and Ben the agenda of the meeting"],
        "(START,1) (START,2) (1,3) (2,3) (3,4) (4,END)",
    ),
    (
        _task("How are Apple and Microsoft trading right now, and which of the two gained more over the last five days?", "getStockQuote", "getPriceHistory", "getTopHeadlines"),
        ["Get the latest quote for AAPL", "Get the latest quote for MSFT", "Get the five-day closing prices of AAPL", "Get the five-day closing prices of MSFT"],
        "(START,1) (START,2) (START,3) (START,4) (1,END) (2,END) (3,END) (4,END)",
    ),
    (
        _task("I'm at 221B Baker Street, London. Find a pharmacy that is open now and give me walking directions to the closest one.", "geocode", "searchPlaces", "getDirections"),
        ["Get the coordinates of 221B Baker Street, London", "Search pharmacies open now near those coordinates", "Get walking directions from 221B Baker Street to the closest open pharmacy"],
        "(START,1) (1,2) (2,3) (3,END)",
    ),
    (
        _task("What are tonight's showtimes near 94110 for Denis Villeneuve's newest film, and how well was it rated?", "searchMovies", "getShowtimes", "getMovieReviews"),
        ["Search films directed by Denis Villeneuve to find the newest one", "Get tonight's showtimes of that film near postcode 94110", "Get the critic and audience ratings of that film"],
        "(START,1) (1,2) (1,3) (2,END) (3,END)",
    ),
    (
        _task("Give me today's top three technology headlines from the US, translated into Spanish.", "getTopHeadlines", "translateText"),
        ["Get the top three technology headlines in the US", "Translate the three headlines into Spanish"],
        "(START,1) (1,2) (2,END)",
    ),
    (
        _task("Make me a playlist called Road Trip with five top tracks each from Fleetwood Mac and the Eagles.", "searchArtist", "getTopTracks", "createPlaylist", "addTracksToPlaylist"),
        ["Find the artist id of Fleetwood Mac", "Find the artist id of the Eagles", "Get the five top tracks of Fleetwood Mac", "Get the five top tracks of the Eagles", "Create a playlist named Road Trip", "Add the ten tracks to the Road Trip playlist"],
        "(START,1) (START,2) (START,5) (1,3) (2,4) (3,6) (4,6) (5,6) (6,END)",
    ),
    (
        _task("Where is my parcel 1Z999AA10123456784? If it is late, email the seller at help@gadgetshop.com asking for a refund.", "trackPackage", "sendEmail"),
        ["Get the delivery status and expected date of parcel 1Z999AA10123456784", "Email help@gadgetshop.com asking for a refund because the parcel is late"],
        "(START,1) (1,2) (2,END)",
    ),
    (
        _task("Book the cheapest hotel in Kyoto with free breakfast from April 3 to April 6, 2025, and tell me the price in euros.", "searchHotels", "getHotelDetails", "bookHotel", "convertCurrency"),
        ["Search hotels in Kyoto from 2025-04-03 to 2025-04-06 with free breakfast", "Get the room types and prices of the cheapest hotel found", "Book a room at that hotel", "Convert the room price from JPY to EUR"],
        "(START,1) (1,2) (2,3) (2,4) (3,END) (4,END)",
    ),
    (
        _task("How many calories are in 200 g of grilled salmon and 150 g of cooked white rice?", "getNutrition", "searchRecipes"),
        ["Get the nutrition facts of 200 g of grilled salmon", "Get the nutrition facts of 150 g of cooked white rice"],
        "(START,1) (START,2) (1,END) (2,END)",
    ),
    (
        _task("Find remote Python developer jobs posted in the last week and tell me how employees rate the companies behind the top two postings.", "searchJobs", "getCompanyRating"),
        ["Search remote Python developer jobs posted within the last 7 days", "Get the employee rating of the company behind the first posting", "Get the employee rating of the company behind the second posting"],
        "(START,1) (1,2) (1,3) (2,END) (3,END)",
    ),
    (
        _task("I'm going to bed: set the living room thermostat to 19 degrees, switch off every light downstairs and lock the front door.", "listDevices", "setDeviceState", "setThermostat", "lockDoor"),
        ["List the lights on the ground floor", "Turn off each of those lights", "Set the living room thermostat to 19 degrees", "Lock the front door"],
        "(START,1) (1,2) (START,3) (START,4) (2,END) (3,END) (4,END)",
    ),
    (
        _task("Is the book 'The Overstory' by Richard Powers available at the Central branch of my library? If so, put it on hold for me.", "searchBooks", "checkLibraryAvailability", "placeHold"),
        ["Search for 'The Overstory' by Richard Powers to get its ISBN", "Check whether the Central branch has a copy available", "Place a hold on the copy at the Central branch"],
        "(START,1) (1,2) (2,3) (3,END)",
    ),
    (
        _task("Plan my Saturday (2024-10-19) in Barcelona: check the weather, pick a museum that is open, book a tapas place near it for 4 people at 20:00, get transit directions from my hotel on Carrer de Mallorca 200 to the museum, and text the plan to my partner at +34 600 123 456.", "getForecast", "searchMuseums", "getMuseumDetails", "searchRestaurants", "checkTableAvailability", "bookTable", "getDirections", "sendSms"),
        ["Get the weather forecast for Barcelona on 2024-10-19", "Search museums in Barcelona open on 2024-10-19", "Get the opening hours and ticket prices of the chosen museum", "Search tapas restaurants near the chosen museum", "Check which of them has a table for 4 at 20:00", "Book the table for 4 at 20:00", "Get transit directions from Carrer de Mallorca 200 to the museum", "Text the day's plan to +34 600 123 456"],
        "(START,1) (START,2) (2,3) (2,4) (4,5) (5,6) (2,7) (1,8) (3,8) (6,8) (7,8) (8,END)",
    ),
]
