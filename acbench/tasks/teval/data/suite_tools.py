"""Tool definitions for our built-in T-Eval suite (hand-written; upstream API-description layout).

Used only by `build_suite.py`; the generated JSON files are what the package reads.
"""

from __future__ import annotations


def _tool(name, description, required, returns, optional=()):
    def params(spec):
        return [{"name": n, "type": t, "description": d} for n, t, d in spec]

    return {"name": name, "description": description, "required_parameters": params(required),
            "optional_parameters": params(optional), "return_data": [{"name": n, "description": d} for n, d in returns]}


S, N = "STRING", "NUMBER"
TOOLS = {t["name"]: t for t in [
    _tool("WeatherAPI.get_current_weather", "Get the current weather in a city.",
          [("city", S, "Name of the city.")],
          [("temperature_c", "Temperature in degrees Celsius."), ("condition", "Sky condition, e.g. sunny or rain."),
           ("humidity", "Relative humidity in percent.")]),
    _tool("WeatherAPI.get_forecast", "Get a daily weather forecast for a city.",
          [("city", S, "Name of the city."), ("days", N, "Number of days to forecast, 1 to 7.")],
          [("forecast", "A list of days with date, condition, high_c and low_c.")]),
    _tool("Calendar.list_events", "List the events in the user's calendar on one day.",
          [("date", S, "The day, in the format YYYY-MM-DD.")],
          [("events", "A list of events with id, title and start time.")]),
    _tool("Calendar.create_event", "Create an event in the user's calendar.",
          [("title", S, "Title of the event."), ("date", S, "The day, in the format YYYY-MM-DD."),
           ("start_time", S, "Start time, in the format HH:MM (24 hours)."),
           ("duration_minutes", N, "Length of the event in minutes.")],
          [("event_id", "Identifier of the new event.")]),
    _tool("Calendar.delete_event", "Delete an event from the user's calendar.",
          [("event_id", S, "Identifier of the event.")], [("status", "Whether the event was deleted.")]),
    _tool("Email.search_inbox", "Search the user's inbox.",
          [("query", S, "Words to look for in sender, subject and body.")],
          [("emails", "A list of at most 5 emails with id, sender and subject.")]),
    _tool("Email.read_email", "Read one email.", [("email_id", S, "Identifier of the email.")],
          [("sender", "Sender address."), ("subject", "Subject line."), ("body", "Text of the email.")]),
    _tool("Email.send_email", "Send an email from the user's account.",
          [("to", S, "Recipient address."), ("subject", S, "Subject line."), ("body", S, "Text of the email.")],
          [("status", "'sent' on success.")]),
    _tool("FileSystem.list_directory", "List the files in a directory.",
          [("path", S, "Directory path, relative to the user's home.")],
          [("entries", "A list of entries with name, size and modified date.")]),
    _tool("FileSystem.read_file", "Read a text file.", [("path", S, "File path, relative to the user's home.")],
          [("content", "The text of the file.")]),
    _tool("FileSystem.write_file", "Write text to a file, replacing it if it exists.",
          [("path", S, "File path, relative to the user's home."), ("content", S, "The text to write.")],
          [("status", "'ok' on success.")]),
    _tool("Calculator.evaluate", "Evaluate an arithmetic expression.",
          [("expression", S, "The expression, e.g. '12 * (3 + 4)'.")], [("result", "The numeric result.")]),
    _tool("UnitConverter.convert", "Convert a quantity between units of the same dimension.",
          [("value", N, "The quantity."), ("from_unit", S, "Unit of the quantity, e.g. meter."),
           ("to_unit", S, "Unit to convert to, e.g. foot.")], [("result", "The converted quantity.")]),
    _tool("WebSearch.search", "Search the web.",
          [("query", S, "The search query.")], [("results", "A list of results with title, url and snippet.")],
          optional=[("num_results", N, "How many results to return, default 5.")]),
    _tool("WebSearch.fetch_page", "Fetch the readable text of a web page.", [("url", S, "Address of the page.")],
          [("text", "The text of the page.")]),
    _tool("CurrencyExchange.get_rate", "Get the current exchange rate between two currencies.",
          [("base", S, "Three-letter code of the currency to convert from."),
           ("quote", S, "Three-letter code of the currency to convert to.")],
          [("rate", "Units of quote currency per unit of base currency.")]),
    _tool("Maps.get_directions", "Get a route between two places.",
          [("origin", S, "Start address or place."), ("destination", S, "End address or place."),
           ("mode", S, "One of driving, walking, cycling, transit.")],
          [("distance_km", "Route length in kilometres."), ("duration_minutes", "Travel time in minutes.")]),
    _tool("Maps.search_nearby", "Find places of a category near a location.",
          [("location", S, "Address or place to search around."), ("category", S, "e.g. pharmacy, cafe.")],
          [("places", "A list of at most 3 places with name, address and rating.")]),
    _tool("Translator.translate", "Translate text into another language.",
          [("text", S, "The text to translate."), ("target_language", S, "Language name, e.g. French.")],
          [("translation", "The translated text.")]),
    _tool("Contacts.find_contact", "Look up a person in the user's contacts.", [("name", S, "Full name.")],
          [("email", "Email address."), ("phone", "Phone number.")]),
    _tool("Notes.create_note", "Save a note.", [("title", S, "Title of the note."), ("content", S, "Text of the note.")],
          [("note_id", "Identifier of the new note.")]),
]}
