"""Hand-written scenarios for our built-in T-Eval suite: a user request and the tool calls that solve it.

`scenario(i)` returns variant i: {"query": str, "steps": [Step, ...]}. Slot values rotate with i, so the
suite is deterministic. Used only by `build_suite.py`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Step:
    name: str
    args: dict
    thought: str
    response: dict


PEOPLE = [("Alice Chen", "alice.chen@example.com"), ("Bruno Silva", "bruno.silva@example.com"),
          ("Chidi Okafor", "chidi.okafor@example.com"), ("Dana Kowalski", "dana.kowalski@example.com"),
          ("Emre Yilmaz", "emre.yilmaz@example.com"), ("Farah Haddad", "farah.haddad@example.com")]
CITIES = ["Paris", "Tokyo", "Nairobi", "Toronto", "Lisbon", "Seoul", "Melbourne", "Lima"]
DATES = ["2024-03-14", "2024-04-02", "2024-05-21", "2024-06-09", "2024-07-30", "2024-09-12"]
TIMES = ["09:30", "11:00", "14:00", "15:45", "10:15", "16:30"]
MEETINGS = ["Budget review", "Design sync", "Quarterly planning", "Hiring debrief", "Launch retro", "Vendor call"]
TOPICS = ["solid-state batteries", "coral reef restoration", "quantum error correction", "urban beekeeping",
          "sourdough fermentation", "residential heat pumps"]
LANGUAGES = ["French", "Spanish", "German", "Japanese", "Portuguese", "Korean"]
PAIRS = [("USD", "EUR", 0.92), ("GBP", "JPY", 191.4), ("CAD", "INR", 61.3), ("AUD", "CHF", 0.58),
         ("EUR", "BRL", 5.47), ("USD", "MXN", 17.1)]
ROUTES = [("Lyon", "Paris", 465, 290), ("Osaka", "Kyoto", 56, 55), ("Porto", "Lisbon", 313, 190),
          ("Busan", "Seoul", 395, 260), ("Ottawa", "Toronto", 450, 270), ("Geelong", "Melbourne", 75, 60)]
LANDMARKS = [("the Eiffel Tower", 330), ("the Burj Khalifa", 828), ("the Statue of Liberty", 93),
             ("Big Ben", 96), ("the CN Tower", 553), ("Tokyo Skytree", 634)]
PLACES = [("Union Square, San Francisco", "pharmacy", "Walgreens", "135 Powell St"),
          ("Alexanderplatz, Berlin", "cafe", "Cafe Mitte", "Rathausstrasse 5"),
          ("Shibuya Station, Tokyo", "bookstore", "Tsutaya Books", "21-6 Udagawacho"),
          ("Plaza Mayor, Madrid", "bakery", "Horno San Onofre", "Calle Mayor 12"),
          ("Circular Quay, Sydney", "ATM", "Westpac ATM", "1 Alfred St"),
          ("Grand Place, Brussels", "chocolate shop", "Maison Dandoy", "Rue au Beurre 31")]
FOLDERS = ["reports/sales", "projects/apollo", "finance/invoices", "team/minutes", "research/notes", "ops/incidents"]
CONDITIONS = ["sunny", "light rain", "cloudy", "windy", "thunderstorms", "clear"]


def _first(name: str) -> str:
    return name.split()[0]


def weather_email(i):
    city, (person, email), days = CITIES[i % 8], PEOPLE[i % 6], 2 + i % 4
    cond = CONDITIONS[i % 6]
    forecast = [{"day": d + 1, "condition": cond, "high_c": 20 + d, "low_c": 12 + d} for d in range(days)]
    return {"query": f"What will the weather be like in {city} over the next {days} days? "
                     f"Please email the forecast to {_first(person)} at {email}.",
            "steps": [Step("WeatherAPI.get_forecast", {"city": city, "days": days},
                           f"I need the {days}-day forecast for {city} first.", {"forecast": forecast}),
                      Step("Email.send_email", {"to": email, "subject": f"{city} weather forecast",
                                                "body": f"Expect {cond} in {city} for the next {days} days."},
                           f"I have the forecast, so I can email it to {_first(person)}.", {"status": "sent"})]}


def meeting_invite(i):
    (person, email), date, time, title = PEOPLE[(i + 1) % 6], DATES[i % 6], TIMES[i % 6], MEETINGS[i % 6]
    minutes = (30, 45, 60)[i % 3]
    return {"query": f"Set up a {minutes}-minute meeting called '{title}' with {person} on {date} at {time}, "
                     "and send them an invitation by email.",
            "steps": [Step("Contacts.find_contact", {"name": person},
                           f"I need {person}'s email address before I can invite them.",
                           {"email": email, "phone": f"+1-555-01{i % 10}{(i + 3) % 10}"}),
                      Step("Calendar.create_event", {"title": title, "date": date, "start_time": time,
                                                     "duration_minutes": minutes},
                           "Now I should put the meeting in the calendar.", {"event_id": f"evt_{1040 + i}"}),
                      Step("Email.send_email", {"to": email, "subject": f"Invitation: {title}",
                                                "body": f"Hi {_first(person)}, let's meet for '{title}' on {date} at {time}."},
                           f"The event exists, so I can send the invitation to {_first(person)}.", {"status": "sent"})]}


def translate_file(i):
    lang, folder = LANGUAGES[i % 6], FOLDERS[i % 6]
    src, dst = f"{folder}/summary.txt", f"{folder}/summary_{lang.lower()}.txt"
    text = "The project is on schedule and the next milestone is due at the end of the month."
    return {"query": f"Translate the text in {src} into {lang} and save the result to {dst}.",
            "steps": [Step("FileSystem.read_file", {"path": src}, f"First I have to read {src}.", {"content": text}),
                      Step("Translator.translate", {"text": text, "target_language": lang},
                           f"I have the text; now I translate it into {lang}.", {"translation": f"[{lang}] {text}"}),
                      Step("FileSystem.write_file", {"path": dst, "content": f"[{lang}] {text}"},
                           f"The translation is ready, so I save it to {dst}.", {"status": "ok"})]}


def currency(i):
    base, quote, rate = PAIRS[i % 6]
    amount = (250, 1200, 75, 4800, 60, 999)[i % 6]
    return {"query": f"I have {amount} {base}. How much is that in {quote}?",
            "steps": [Step("CurrencyExchange.get_rate", {"base": base, "quote": quote},
                           f"I need the current {base} to {quote} exchange rate.", {"rate": rate}),
                      Step("Calculator.evaluate", {"expression": f"{amount} * {rate}"},
                           f"With the rate I can compute {amount} {base} in {quote}.",
                           {"result": round(amount * rate, 2)})]}


def research_note(i):
    topic = TOPICS[i % 6]
    url = f"https://news.example.org/{topic.replace(' ', '-')}"
    title = f"Reading: {topic}"
    return {"query": f"Search the web for recent articles about {topic}, read the top result, "
                     f"and save a short summary as a note titled '{title}'.",
            "steps": [Step("WebSearch.search", {"query": topic, "num_results": 3},
                           f"I should search the web for articles about {topic}.",
                           {"results": [{"title": f"New progress in {topic}", "url": url, "snippet": "..."}]}),
                      Step("WebSearch.fetch_page", {"url": url}, "The top result looks relevant; I will read it.",
                           {"text": f"Researchers report new progress in {topic} this year."}),
                      Step("Notes.create_note", {"title": title,
                                                 "content": f"Researchers report new progress in {topic} this year."},
                           "I have read the article and can save the summary as a note.", {"note_id": f"note_{70 + i}"})]}


def trip(i):
    origin, dest, km, minutes = ROUTES[i % 6]
    return {"query": f"I'm driving from {origin} to {dest} tomorrow. How long will the drive take, "
                     f"and what is the weather in {dest} right now?",
            "steps": [Step("Maps.get_directions", {"origin": origin, "destination": dest, "mode": "driving"},
                           f"I need the driving route from {origin} to {dest}.",
                           {"distance_km": km, "duration_minutes": minutes}),
                      Step("WeatherAPI.get_current_weather", {"city": dest},
                           f"Now I check the current weather in {dest}.",
                           {"temperature_c": 18, "condition": CONDITIONS[i % 6], "humidity": 60})]}


def folder_report(i):
    folder, (person, email) = FOLDERS[i % 6], PEOPLE[(i + 2) % 6]
    latest = f"{folder}/report_2024_0{1 + i % 9}.txt"
    return {"query": f"Find the latest report in the folder {folder} and email its contents to {person} at {email}.",
            "steps": [Step("FileSystem.list_directory", {"path": folder}, f"I should look at the files in {folder}.",
                           {"entries": [{"name": latest.split('/')[-1], "modified": DATES[i % 6]}]}),
                      Step("FileSystem.read_file", {"path": latest}, "The newest file is the report; I read it.",
                           {"content": "Revenue grew 4% and two incidents were closed."}),
                      Step("Email.send_email", {"to": email, "subject": "Latest report",
                                                "body": "Revenue grew 4% and two incidents were closed."},
                           f"I can now send the report to {_first(person)}.", {"status": "sent"})]}


def cancel_event(i):
    date, title = DATES[(i + 2) % 6], MEETINGS[(i + 3) % 6]
    event_id = f"evt_{300 + 7 * i}"
    return {"query": f"Cancel my '{title}' event on {date}.",
            "steps": [Step("Calendar.list_events", {"date": date}, f"I need to find the '{title}' event on {date}.",
                           {"events": [{"id": event_id, "title": title, "start": TIMES[i % 6]}]}),
                      Step("Calendar.delete_event", {"event_id": event_id},
                           f"The event has id {event_id}, so I can delete it.", {"status": "deleted"})]}


def landmark_height(i):
    landmark, meters = LANDMARKS[i % 6]
    return {"query": f"How tall is {landmark} in feet?",
            "steps": [Step("WebSearch.search", {"query": f"{landmark} height in meters"},
                           f"I should look up the height of {landmark}.",
                           {"results": [{"title": landmark, "url": "https://example.org", "snippet": f"{meters} m tall"}]}),
                      Step("UnitConverter.convert", {"value": meters, "from_unit": "meter", "to_unit": "foot"},
                           f"It is {meters} meters tall; I convert that to feet.", {"result": round(meters * 3.28084, 1)})]}


def nearby(i):
    place, category, name, address = PLACES[i % 6]
    return {"query": f"Find a {category} near {place} and tell me how long it takes to walk there.",
            "steps": [Step("Maps.search_nearby", {"location": place, "category": category},
                           f"I need a {category} close to {place}.",
                           {"places": [{"name": name, "address": address, "rating": 4.4}]}),
                      Step("Maps.get_directions", {"origin": place, "destination": address, "mode": "walking"},
                           f"{name} is closest; I get walking directions to it.",
                           {"distance_km": 0.6, "duration_minutes": 8})]}


def reply_email(i):
    (person, email), title = PEOPLE[(i + 4) % 6], MEETINGS[(i + 1) % 6]
    email_id = f"msg_{5100 + 13 * i}"
    return {"query": f"Find the email from {person} about the {title.lower()}, read it, and reply that I will attend.",
            "steps": [Step("Email.search_inbox", {"query": f"{_first(person)} {title.lower()}"},
                           f"I should search the inbox for {_first(person)}'s email about the {title.lower()}.",
                           {"emails": [{"id": email_id, "sender": email, "subject": title}]}),
                      Step("Email.read_email", {"email_id": email_id}, "I found the email; I read it first.",
                           {"sender": email, "subject": title, "body": f"Can you join the {title.lower()}?"}),
                      Step("Email.send_email", {"to": email, "subject": f"Re: {title}", "body": "Thanks, I will attend."},
                           f"Now I reply to {_first(person)} that I will attend.", {"status": "sent"})]}


SCENARIOS = [weather_email, meeting_invite, translate_file, currency, research_note, trip, folder_report,
             cancel_event, landmark_height, nearby, reply_email]


def scenario(i: int) -> dict:
    """Variant i of the rotating scenario list."""
    return SCENARIOS[i % len(SCENARIOS)](i // len(SCENARIOS) + i)
