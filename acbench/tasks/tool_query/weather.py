"""AgentBoard's weather episodes as AgentBoard runs them (`tool_query.tools=weather`): its tools, calling the
open-meteo web APIs (no key) live, with its texts and progress rate.

    checkout = WeatherCheckout("/src/AgentBoard")
    env = AgentBoardWeatherEnv(sample, checkout, Services.from_option(None))
    env.step('get_latitude_longitude with Action Input: {"name": "Shanghai"}')   # a live geocoding call

Follows `agentboard/environment/weather_env.py` and `agentboard/utils/weather/weather_tools.py` of
hkust-nlp/AgentBoard (the step loop, shared with the other tool environments: agentic/agentboard_tool.py):

- Tools: the user's date and city (the item's init_config); historical, current and forecast temperature, rain
  and snow (all from open-meteo's archive API, with GMT days), air quality index (its air-quality API, the 12:00
  value of each day's hours) and level, coordinates of a place name (its geocoding API, 3 results), elevation,
  geodesic distance in km (geopy, as AgentBoard), `finish`. The same HTTP calls (URLs, query parameters) and the
  same parts of the answers are kept. A historical range must end before the user's date, a forecast start after
  it, and span at most 30 days: otherwise the call is refused with the tool's message. A call the service answers
  with another status than 200 is refused with the service's text. Refused calls are grounded and log the
  failed subgoal; an exception (a bad date, a missing field, a network error) answers `ERROR | ...`.
- Subgoals: a result with daily temperatures logs it without the max, min and mean series. Matching: a gold
  subgoal with `latitude` and `longitude` matches a logged one with both that lies within 50 km (haversine) and
  agrees on every other key; any other gold subgoal needs an equal logged one; each logged one is used once.

Texts (the refusal messages, the air-quality level names, the failed-subgoal form) are read from the checkout with
ast. The calls go where `services.py` says (the live APIs, or a services root).
"""

from __future__ import annotations

import copy
import math
from datetime import datetime, timedelta
from typing import Any

import requests

from acbench.errors import ConfigError
from acbench.tasks.agentic.agentboard import AgentBoardFilesError
from acbench.tasks.agentic.agentboard_tool import AgentBoardToolEnv, Refused, ToolCheckout, finish, refusals
from acbench.tasks.base import Sample
from acbench.tasks.tool_query.services import OPEN_METEO, Services

OWNER = "weather_toolkits"
TEMPERATURE = "temperature_2m_max,temperature_2m_min,temperature_2m_mean"
SERIES = ("temperature_2m_max", "temperature_2m_min", "temperature_2m_mean")  # left out of a logged subgoal
AIR = "european_aqi_pm2_5"
DROPPED = ("elevation", "generationtime_ms", "timezone", "timezone_abbreviation", "utc_offset_seconds")
PLACE_DROPPED = ("country_id", "admin1_id", "timezone", "population", "postcodes")
SAME_PLACE_KM = 50  # helpers.is_same_location's threshold, on a sphere of radius 6371 km
EARTH_KM = 6371
SPAN = timedelta(days=30)
DATE = "%Y-%m-%d"
POINT, RANGE, DAY = ("latitude", "longitude"), ("start_date", "end_date"), ("current_date",)  # tools' arguments


class WeatherCheckout(ToolCheckout):
    """What the weather episodes need from an AgentBoard checkout: the shared texts and the tools' messages."""

    def __init__(self, root=None):
        super().__init__(root, "weather", "tool_query")
        self.past = self._three("get_historical_temp")  # start, end, span messages
        self.future = self._three("get_temp_forecast")
        self.levels = self.strings("get_air_quality_level", OWNER)
        if len(self.levels) != 6:
            raise AgentBoardFilesError(f"{self.tools_path} ({OWNER}.get_air_quality_level): expected its six level "
                                       f"names, found {self.levels} (a changed AgentBoard?)")

    def _three(self, function: str) -> tuple[str, str, str]:
        found = refusals(self.tools_path, function, OWNER)
        if len(found) != 3:
            raise AgentBoardFilesError(f"{self.tools_path} ({OWNER}.{function}): expected three refusal messages "
                                       f"(start date, end date, span), found {len(found)} (a changed AgentBoard?)")
        return found[0], found[1], found[2]


def require_geopy() -> None:
    """get_distance measures as AgentBoard's does, with geopy: checked when the task is built."""
    try:
        import geopy.distance  # noqa: F401
    except ImportError:
        raise ConfigError("tool_query tools=weather: AgentBoard's get_distance tool measures with geopy (geodesic "
                          "distance), which is not installed: pip install geopy (acbench lists it)") from None


def _day(text) -> datetime:
    return datetime.strptime(text, DATE)


def _drop(data, keys) -> Any:
    """`data` without `keys` (the tools test `key in data.keys()`: a non-dict answer raises)."""
    for key in keys:
        if key in data.keys():
            data.pop(key)
    return data


def same_place(coord1: tuple, coord2: tuple) -> bool:
    """helpers.is_same_location: haversine distance under 50 km."""
    lat1, lon1 = map(math.radians, coord1)
    lat2, lon2 = map(math.radians, coord2)
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return EARTH_KM * 2 * math.atan2(math.sqrt(a), math.sqrt(1 - a)) < SAME_PLACE_KM


class WeatherTools:
    """weather_tools.py's tools: each returns its result or raises Refused (AgentBoard's `(False, message)`)."""

    def __init__(self, checkout: WeatherCheckout, services: Services, current_date: str, current_location: str):
        self.checkout, self.services = checkout, services
        self.current_date, self.current_location = current_date, current_location

    def get_user_current_date(self):
        return self.current_date

    def get_user_current_location(self):
        return self.current_location

    def _dates(self, start_date, end_date, past: bool | None) -> None:
        """past: the range must lie before the user's date; False: after it; None: no check. Then the span
        (at most 30 days). Dates are parsed in AgentBoard's order, so a bad one raises the same error."""
        if past is not None:
            messages = self.checkout.past if past else self.checkout.future
            for value, message in ((start_date, messages[0]), (end_date, messages[1])):
                if value is not None:
                    day, today = _day(value), _day(self.current_date)
                    if (day >= today) if past else (day <= today):
                        raise Refused(message)
        start, end = _day(start_date), _day(end_date)
        if end - start > SPAN:
            raise Refused((self.checkout.past if past is not False else self.checkout.future)[2])

    def _answer(self, response: requests.Response):
        if response.status_code != 200:
            raise Refused(response.text)
        return response.json()

    def _archive(self, latitude, longitude, start_date, end_date, daily: str, past: bool | None):
        self._dates(start_date, end_date, past)
        params = {"latitude": latitude, "longitude": longitude, "start_date": start_date, "end_date": end_date,
                  "timezone": "GMT", "daily": daily}
        return _drop(self._answer(self.services.get(OPEN_METEO["historical_weather"], params)), DROPPED)

    def get_historical_temp(self, latitude, longitude, start_date, end_date):
        return self._archive(latitude, longitude, start_date, end_date, TEMPERATURE, True)

    def get_historical_rain(self, latitude, longitude, start_date, end_date):
        return self._archive(latitude, longitude, start_date, end_date, "rain_sum", True)

    def get_historical_snow(self, latitude, longitude, start_date, end_date):
        return self._archive(latitude, longitude, start_date, end_date, "snowfall_sum", True)

    def _forecast(self, latitude, longitude, start_date, end_date, daily: str):
        self._dates(start_date, end_date, False)
        return self._archive(latitude, longitude, start_date, end_date, daily, None)

    def get_temp_forecast(self, latitude, longitude, start_date, end_date):
        return self._forecast(latitude, longitude, start_date, end_date, TEMPERATURE)

    def get_rain_forecast(self, latitude, longitude, start_date, end_date):
        return self._forecast(latitude, longitude, start_date, end_date, "rain_sum")

    def get_snow_forecast(self, latitude, longitude, start_date, end_date):
        return self._forecast(latitude, longitude, start_date, end_date, "snowfall_sum")

    def get_current_temp(self, latitude, longitude, current_date):
        return self._archive(latitude, longitude, current_date, current_date, TEMPERATURE, None)

    def get_current_rain(self, latitude, longitude, current_date):
        return self._archive(latitude, longitude, current_date, current_date, "rain_sum", None)

    def get_current_snow(self, latitude, longitude, current_date):
        return self._archive(latitude, longitude, current_date, current_date, "snowfall_sum", None)

    def get_latitude_longitude(self, name):
        params = {"name": name, "count": 3, "language": "en", "format": "json"}
        response = self._answer(self.services.get(OPEN_METEO["geocoding"], params))
        for place in response["results"]:
            _drop(place, ("elevation", "feature_code"))
            if "country_code" in place.keys():
                place.pop("country")  # as AgentBoard: the country name goes with a country code (KeyError without)
            _drop(place, PLACE_DROPPED)
            for key in [k for k in place.keys() if k.endswith("id") or "admin" in k]:
                place.pop(key)
        return _drop(response, ("generationtime_ms",))

    def get_elevation(self, latitude, longitude):
        return self._answer(self.services.get(OPEN_METEO["elevation"], {"latitude": latitude, "longitude": longitude}))

    def get_distance(self, latitude1, longitude1, latitude2, longitude2):
        from geopy.distance import geodesic  # the task checks at build time that geopy is installed

        return geodesic((latitude1, longitude1), (latitude2, longitude2)).km

    def _air(self, latitude, longitude, start_date, end_date, past: bool | None):
        self._dates(start_date, end_date, past)
        params = {"latitude": latitude, "longitude": longitude, "start_date": start_date, "end_date": end_date,
                  "timezone": "GMT", "hourly": AIR}
        hourly = _drop(self._answer(self.services.get(OPEN_METEO["air_quality"], params)), DROPPED)
        daily = {"latitude": hourly["latitude"], "longitude": hourly["longitude"],
                 "daily_units": hourly["hourly_units"], "daily": hourly["hourly"]}
        series = daily["daily"]
        days = len(series["time"]) // 24
        series[AIR] = [series[AIR][24 * i + 12] for i in range(days)]  # each day's 12:00 value
        series["time"] = [series["time"][24 * i + 12] for i in range(days)]
        return daily

    def get_historical_air_quality_index(self, latitude, longitude, start_date, end_date):
        return self._air(latitude, longitude, start_date, end_date, True)

    def get_current_air_quality_index(self, latitude, longitude, current_date):
        return self._air(latitude, longitude, current_date, current_date, None)

    def get_air_quality_level(self, air_quality_index):
        # AgentBoard's bands, gaps included (20 < index <= 21 is "extremely poor")
        good, fair, moderate, poor, very_poor, extremely_poor = self.checkout.levels
        if air_quality_index <= 20:
            return good
        if 21 < air_quality_index <= 40:
            return fair
        if 41 < air_quality_index <= 60:
            return moderate
        if 61 < air_quality_index <= 80:
            return poor
        if 81 < air_quality_index <= 100:
            return very_poor
        return extremely_poor

    def convert_zipcode_to_address(self, zipcode):
        raise KeyError("zipcode")  # AgentBoard's URL table has no zipcode service (its entry is commented out)

    finish = staticmethod(finish)


def clean_subgoal(result):
    """What weather_tools.py logs as the subgoal of a result: daily temperatures without their three series."""
    subgoal = copy.deepcopy(result)
    if type(subgoal) is dict and "daily" in subgoal.keys() and SERIES[0] in subgoal["daily"].keys():
        for key in SERIES:
            subgoal["daily"].pop(key)
    return subgoal


def _located(value) -> bool:
    return type(value) is dict and "latitude" in value and "longitude" in value


def _same_located(gold: dict, predicted: dict) -> bool:
    gold, predicted = dict(gold), dict(predicted)
    here = (gold.pop("latitude"), gold.pop("longitude"))
    there = (predicted.pop("latitude"), predicted.pop("longitude"))
    return same_place(here, there) and gold == predicted


class AgentBoardWeatherEnv(AgentBoardToolEnv):
    """One AgentBoard weather item (agentboard_tool.AgentBoardToolEnv with weather_tools.py's tools)."""

    ARGUMENTS = {
        "get_user_current_date": (), "get_user_current_location": (),
        **{name: POINT + RANGE for name in ("get_historical_temp", "get_historical_rain", "get_historical_snow",
                                              "get_snow_forecast", "get_temp_forecast", "get_rain_forecast",
                                              "get_historical_air_quality_index")},
        **{name: POINT + DAY for name in ("get_current_snow", "get_current_temp", "get_current_rain",
                                            "get_current_air_quality_index")},
        "get_latitude_longitude": ("name",), "get_elevation": POINT,
        "get_distance": ("latitude1", "longitude1", "latitude2", "longitude2"),
        "get_air_quality_level": ("air_quality_index",), "convert_zipcode_to_address": ("zipcode",),
        "finish": ("answer",),
    }
    network_exceptions = (requests.Timeout,)  # AgentBoard has no timeout; acbench's ends the episode

    def __init__(self, sample: Sample, checkout: WeatherCheckout, services: Services):
        self.tools = WeatherTools(checkout, services, sample.data["current_date"], sample.data["current_location"])
        super().__init__(sample, checkout)

    def subgoal_of(self, result: Any) -> Any:
        return clean_subgoal(result)

    def matched(self) -> int:
        """weather_env.update: located gold subgoals match by place (50 km) and the other keys, others exactly."""
        pool, count = list(self.subgoals), 0
        for gold in self.gold:
            if _located(gold):
                for predicted in pool:
                    if _located(predicted) and _same_located(gold, predicted):
                        pool.remove(predicted)
                        count += 1
                        break
            elif gold in pool:
                pool.remove(gold)
                count += 1
        return count
