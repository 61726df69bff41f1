"""AgentBoard's movie episodes as AgentBoard runs them (`tool_query.tools=movie`): its tools, calling TMDB's web
API live with the user's token (`MOVIE_KEY`), with its texts and progress rate.

    checkout = MovieCheckout("/src/AgentBoard")
    env = AgentBoardMovieEnv(sample, checkout, Services.from_option(None))      # MOVIE_KEY from the environment
    env.step('get_search_movie with Action Input: {"movie_name": "Scream 6"}')   # a live TMDB search

Follows `agentboard/environment/movie_env.py` and `agentboard/utils/movie/movie_tools.py` of hkust-nlp/AgentBoard
(the step loop, shared with the other tool environments: agentic/agentboard_tool.py):

- Tools: search a movie (its first result: id, overview, title) or a person (first result: id, name; none: []),
  a movie's details (title, budget, genres, revenue, vote average, release date), production companies and
  countries, first 10 cast members, crew (directors, producers and writers first, filled up to 10 with others),
  keywords, alternative titles, translations (those of NL, CN, US and DE, without their titles); a person's
  details (name, biography, birthday, place of birth), first 10 cast and crew credits, external ids; `finish`.
  The same HTTP calls (TMDB v3 URLs, the search's query parameters, the bearer token) and the same parts of the
  answers are kept. A call TMDB answers with another status than 200 is refused with TMDB's text (grounded, a
  failed subgoal); an exception (no search result, a missing field, a network error) answers `ERROR | ...`.
- Subgoals: a result without overview, biography, vote average, genres, revenue, budget and release date (at its
  top level, or in each entry of a list); matched exactly, each logged one used once.

The calls go where `services.py` says (TMDB itself, or a services root).
"""

from __future__ import annotations

import copy
from typing import Any

import requests

from acbench.tasks.agentic.agentboard_tool import AgentBoardToolEnv, Refused, ToolCheckout, finish
from acbench.tasks.base import Sample
from acbench.tasks.tool_query.services import TMDB, Services

SEARCH = {"include_adult": "false", "language": "en-US", "page": "1"}  # after `query`, as AgentBoard sends them
NOT_LOGGED = ("overview", "biography", "vote_average", "genres", "revenue", "budget", "release_date")
CREW_FIRST = ("Director", "Producer", "Writer")
TRANSLATED_IN = ("NL", "CN", "US", "DE")  # iso_3166_1 codes AgentBoard keeps
LISTED = 10  # cast and crew entries shown


class MovieCheckout(ToolCheckout):
    """What the movie episodes need from an AgentBoard checkout (the shared texts)."""

    def __init__(self, root=None):
        super().__init__(root, "movie", "tool_query")


class MovieTools:
    """movie_tools.py's tools: each returns its result or raises Refused (AgentBoard's `(False, response.text)`)."""

    def __init__(self, services: Services):
        self.services = services

    def _get(self, path: str, params: dict | None = None):
        response = self.services.get(f"{TMDB}/{path}", params, tmdb=True)
        if response.status_code != 200:
            raise Refused(response.text)
        return response.json()

    def _search(self, kind: str, query):
        return self._get(f"search/{kind}", {"query": query, **SEARCH})

    def get_search_movie(self, movie_name):
        first = self._search("movie", movie_name)["results"][0]  # no result: an IndexError, as AgentBoard's
        return [{"id": first["id"], "overview": first["overview"], "title": first["title"]}]

    def get_search_person(self, person_name):
        results = self._search("person", person_name)["results"]
        return [{"id": results[0]["id"], "name": results[0]["name"]}] if len(results) else []

    def get_movie_details(self, movie_id):
        data = self._get(f"movie/{movie_id}")
        return {key: data[key] for key in ("title", "budget", "genres", "revenue", "vote_average", "release_date")}

    def get_movie_production_companies(self, movie_id):
        return {"production_companies": self._get(f"movie/{movie_id}")["production_companies"]}

    def get_movie_production_countries(self, movie_id):
        return {"production_countries": self._get(f"movie/{movie_id}")["production_countries"]}

    def get_movie_cast(self, movie_id):
        cast = self._get(f"movie/{movie_id}/credits")["cast"][:LISTED]
        return {"cast": [{"id": c["id"], "name": c["name"], "character": c["character"]} for c in cast]}

    def get_movie_crew(self, movie_id):
        data = self._get(f"movie/{movie_id}/credits")
        crew = [{"id": c["id"], "name": c["name"], "job": c["job"]} for c in data["crew"] if c["job"] in CREW_FIRST]
        if len(crew) < LISTED:
            first_ids = [c["id"] for c in crew]  # the others are added once each per credit, not per person
            for c in data["crew"]:
                if c["id"] not in first_ids:
                    crew.append({"id": c["id"], "name": c["name"], "job": c["job"]})
                if len(crew) == LISTED:
                    break
        return {"crew": crew}

    def get_movie_keywords(self, movie_id):
        return {"keywords": [k["name"] for k in self._get(f"movie/{movie_id}/keywords")["keywords"]]}

    def get_movie_alternative_titles(self, movie_id):
        return self._get(f"movie/{movie_id}/alternative_titles")

    def get_movie_translation(self, movie_id):
        data = self._get(f"movie/{movie_id}/translations")
        kept = copy.deepcopy(data)
        kept["translations"] = [t for t in data["translations"] if t["iso_3166_1"] in TRANSLATED_IN]
        for translation in kept["translations"]:
            translation["data"].pop("title")
        return kept

    def get_person_details(self, person_id):
        data = self._get(f"person/{person_id}")
        return {key: data[key] for key in ("name", "biography", "birthday", "place_of_birth")}

    def get_person_cast(self, person_id):
        cast = self._get(f"person/{person_id}/movie_credits")["cast"][:LISTED]
        return {"cast": [{"id": c["id"], "title": c["title"], "character": c["character"]} for c in cast]}

    def get_person_crew(self, person_id):
        crew = self._get(f"person/{person_id}/movie_credits")["crew"][:LISTED]
        return {"crew": [{"id": c["id"], "title": c["title"], "job": c["job"]} for c in crew]}

    def get_person_external_ids(self, person_id):
        data = self._get(f"person/{person_id}/external_ids")
        return {key: data[key] for key in ("imdb_id", "facebook_id", "instagram_id", "twitter_id")}

    finish = staticmethod(finish)


def clean_subgoal(result):
    """What movie_tools.py logs as the subgoal of a result (NOT_LOGGED keys left out)."""
    subgoal = copy.deepcopy(result)
    for entry in subgoal if isinstance(subgoal, list) else [subgoal]:
        if isinstance(entry, dict):
            for key in NOT_LOGGED:
                entry.pop(key, None)
    return subgoal


class AgentBoardMovieEnv(AgentBoardToolEnv):
    """One AgentBoard movie item (agentboard_tool.AgentBoardToolEnv with movie_tools.py's tools)."""

    ARGUMENTS = {
        "get_search_movie": ("movie_name",), "get_search_person": ("person_name",), "finish": ("answer",),
        **{f"get_movie_{what}": ("movie_id",) for what in ("details", "production_companies", "production_countries",
                                                           "keywords", "cast", "crew", "alternative_titles",
                                                           "translation")},
        **{f"get_person_{what}": ("person_id",) for what in ("details", "cast", "crew", "external_ids")},
    }
    network_exceptions = (requests.Timeout,)  # AgentBoard has no timeout; acbench's ends the episode

    def __init__(self, sample: Sample, checkout: MovieCheckout, services: Services):
        self.tools = MovieTools(services)
        super().__init__(sample, checkout)

    def subgoal_of(self, result: Any) -> Any:
        return clean_subgoal(result)
