"""AgentBoard's todo environment on the live Todoist REST API (v2), as `agentboard/environment/todo_env.py` and
`agentboard/utils/todo/todo_tools.py` run it.

    client = TodoistClient(os.environ["TODO_KEY"])       # base URL: $ACBENCH_TODOIST_URL or Todoist's own
    client.check()                                       # answers within seconds, and accepts the key, or a clear error
    env = AgentBoardTodoEnv(sample, checkout, client)    # reset: the account's projects replaced by projects.json
    env.step('get_projects with Action Input: {}')      # AgentBoard's observation, grounded

The same requests as AgentBoard's tools (method, URL, query parameters, the key as a bearer token), and the same
observations: projects without comment_count, is_shared, is_inbox_project, is_team_inbox, url, view_style and
parent_id, the inbox left out; tasks without assigner_id, assignee_id, section_id, parent_id, labels, comment_count,
creator_id, created_at, url, project_id, description and duration, their due date as `due_date`; a failed call
answers the service's text (or "Task <id> is not exists.") and logs the subgoal "Calling <tool> with <kwargs>
failed"; a successful one logs its result without ids. The reset removes every project of the account (the inbox
aside) and uploads the checkout's projects.json: use an account made for this.

Rules (todo_env.py, tool.py): r = 0 at the start; after a step whose observation lacks "Invalid", r = max(r, gold
subgoals matched, each logged subgoal used once / gold subgoals); done when "finish" or "Finish" is anywhere in the
call; an exception in a tool answers "ERROR | Name(message)" with no update. Success: done and r = 1, and for an
operation (goal_type 1) the account's projects and tasks without ids then equal the item's answer.
"""

from __future__ import annotations

import copy
import os

import requests

from acbench.tasks.agentic.agentboard_live import LiveServiceError
from acbench.tasks.agentic.agentboard_tool import AgentBoardToolEnv, Refused, exception_text, finish
from acbench.tasks.base import Sample

URL_VAR = "ACBENCH_TODOIST_URL"
DEFAULT_URL = "https://api.todoist.com/rest/v2"
TIMEOUT = 30.0  # seconds for one request (AgentBoard sets none)
PROJECT_FIELDS = ("comment_count", "is_shared", "is_inbox_project", "is_team_inbox", "url", "view_style", "parent_id")
TASK_FIELDS = ("assigner_id", "assignee_id", "section_id", "parent_id", "labels", "comment_count", "creator_id",
               "created_at", "url", "project_id")


class TodoistClient:
    """Todoist's REST API with one key; `base_url` (else $ACBENCH_TODOIST_URL, else Todoist's) points tests at a
    local fake."""

    def __init__(self, key: str, base_url: str | None = None, timeout: float = TIMEOUT):
        self.base = (base_url or os.environ.get(URL_VAR) or DEFAULT_URL).rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def request(self, method: str, path: str, params: dict | None = None) -> requests.Response:
        return self.session.request(method, self.base + path, params=params, timeout=self.timeout)

    def check(self, timeout: float = 10.0) -> None:
        """One project listing: a clear error when Todoist does not answer within `timeout` s or refuses the key."""
        try:
            response = self.session.get(self.base + "/projects", timeout=timeout)
        except requests.RequestException as exc:
            raise LiveServiceError(f"tool_operation todo: Todoist at {self.base} did not answer within {timeout:g} s "
                                   f"({exception_text(exc)}); set {URL_VAR} to reach another address") from None
        if response.status_code in (401, 403):
            raise LiveServiceError(f"tool_operation todo: Todoist at {self.base} refused TODO_KEY (HTTP "
                                   f"{response.status_code}: {response.text[:200]})")
        if response.status_code != 200:
            raise LiveServiceError(f"tool_operation todo: Todoist at {self.base} answered the project listing with "
                                   f"HTTP {response.status_code}: {response.text[:200]}")


class TodoTools:
    """todo_tools.py's behaviour: each tool returns (ok, result), where result is what the model sees."""

    def __init__(self, client: TodoistClient, texts):
        self.client, self.texts = client, texts
        self.current_date = self.current_location = None

    def get_user_current_date(self):
        return True, self.current_date

    def get_user_current_location(self):
        return True, self.current_location

    def get_projects(self):
        response = self.client.request("GET", "/projects")
        if response.status_code != 200:
            return False, response.text
        projects = [self._clean_project(p) for p in response.json()]
        return True, [p for p in projects if p["name"] != self.texts.inbox]

    def add_project(self, name):
        response = self.client.request("POST", "/projects", {"name": name})
        return (True, self._clean_project(response.json())) if response.status_code == 200 else (False, response.text)

    def update_project(self, project_id=None, is_favorite=None):
        params = {} if is_favorite is None else {"is_favorite": is_favorite}
        response = self.client.request("POST", f"/projects/{project_id}", params)
        if response.status_code != 200:
            return False, response.text
        return True, {"message": self.texts.project_updated, "project": self._clean_project(response.json())}

    def get_tasks(self, project_id=None):
        response = self.client.request("GET", "/tasks", {"project_id": project_id})
        if response.status_code != 200:
            return False, response.text
        return True, [self._clean_task(t) for t in response.json()]

    def _task(self, task_id) -> requests.Response:
        return self.client.request("GET", f"/tasks/{task_id}")

    def get_task_description(self, task_id=None):
        response = self._task(task_id)
        if response.status_code != 200:
            return False, response.text
        task = response.json()
        return True, {"id": task["id"], "content": task["content"], "description": task["description"]}

    def get_task_duration(self, task_id=None):
        response = self._task(task_id)
        if response.status_code != 200:
            return False, response.text
        task = response.json()
        duration = str(task["duration"]["amount"]) + "(" + task["duration"]["unit"] + ")"
        return True, {"id": task["id"], "content": task["content"], "duration": duration}

    def add_task(self, project_id, content, description, due_date, duration, duration_unit, priority):
        params = {"project_id": project_id, "content": content, "description": description, "due_date": due_date,
                  "duration": duration, "duration_unit": duration_unit, "priority": priority}
        response = self.client.request("POST", "/tasks", params)
        return (True, self._clean_task(response.json())) if response.status_code == 200 else (False, response.text)

    def _end_task(self, task_id, method: str, path: str):
        """complete_task's and delete_task's common part: the task read (missing: the tool's message), then closed
        or deleted; (True, the task as read, cleaned) or (False, what the model sees)."""
        response = self._task(task_id)
        if response.status_code != 200:
            return False, self.texts.task_missing.format(task_id)
        task = self._clean_task(response.json())
        response = self.client.request(method, path)
        return (True, task) if response.status_code == 204 else (False, response.text)

    def complete_task(self, task_id=None):
        ok, task = self._end_task(task_id, "POST", f"/tasks/{task_id}/close")
        if not ok:
            return False, task
        task.pop("is_completed")
        return True, {"message": self.texts.task_completed, "task": task}

    def update_task(self, task_id=None, due_date=None):
        response = self.client.request("POST", f"/tasks/{task_id}", {"due_date": due_date})
        if response.status_code != 200:
            return False, response.text
        return True, {"message": self.texts.task_updated, "task": self._clean_task(response.json())}

    def delete_project(self, project_id):
        if self.client.request("GET", f"/projects/{project_id}").status_code != 200:
            return False, f"project {project_id} not found"
        response = self.client.request("DELETE", f"/projects/{project_id}")
        return (True, project_id) if response.status_code == 204 else (False, response.text)

    def delete_task(self, task_id=None):
        ok, task = self._end_task(task_id, "DELETE", f"/tasks/{task_id}")
        return (True, {"message": self.texts.task_deleted, "task": task}) if ok else (False, task)

    def finish(self, answer):
        return True, finish(answer)

    def status(self) -> dict:
        """The account's projects and their tasks without ids (tool.py's get_todo_status); raises when a call
        fails (AgentBoard's then fails too, and the episode is not solved)."""
        ok, projects = self.get_projects()
        ok_again, listed = self.get_projects()  # the task listing lists the projects again (as upstream's does)
        if not ok or not ok_again:
            raise LiveServiceError(f"Todoist: {projects if not ok else listed}")
        tasks = []
        for project in listed:
            ok, found = self.get_tasks(project["id"])
            if not ok:
                raise LiveServiceError(f"Todoist: {found}")
            tasks.extend(found)
        for entry in projects + tasks:
            entry.pop("id")
        return {"projects": projects, "tasks": tasks}

    @staticmethod
    def _clean_project(project: dict) -> dict:
        for key in PROJECT_FIELDS:
            project.pop(key)
        return project

    @staticmethod
    def _clean_task(task: dict) -> dict:
        for key in TASK_FIELDS:
            task.pop(key)
        task["due_date"] = task["due"]["date"]
        for key in ("due", "description", "duration"):
            task.pop(key)
        return task


def without_ids(observation):
    """A successful result as its subgoal: ids taken out (a list's dicts must have one, as upstream's pop needs)."""
    cleaned = copy.deepcopy(observation)
    if isinstance(cleaned, list):
        for item in cleaned:
            if isinstance(item, dict):
                item.pop("id")
    elif isinstance(cleaned, dict):
        if "id" in cleaned:
            cleaned.pop("id")
        for key in ("task", "project"):
            if key in cleaned:
                cleaned[key].pop("id")
    return cleaned


class AgentBoardTodoEnv(AgentBoardToolEnv):
    """One AgentBoard todo item against the live account (see the module docstring; the step is
    agentboard_tool.AgentBoardToolEnv's with todo_tools.py's tools)."""

    ARGUMENTS = {"get_user_current_date": (), "get_user_current_location": (), "get_projects": (),
                 "update_project": ("project_id", "is_favorite"), "get_tasks": ("project_id",),
                 "get_task_description": ("task_id",), "get_task_duration": ("task_id",),
                 "complete_task": ("task_id",), "update_task": ("task_id", "due_date"), "delete_task": ("task_id",),
                 "finish": ("answer",)}
    network_exceptions = (requests.RequestException,)  # AgentBoard has no timeout; acbench's ends the episode

    def __init__(self, sample: Sample, checkout, client: TodoistClient):
        self.tools = TodoTools(client, checkout.todo)  # the OperationCheckout's todo files
        self.sample = sample
        self.final_status = None  # reset() (the loop's first call) prepares the account
        super().__init__(sample, checkout.todo)

    def reset(self) -> str:
        self.final_status = None
        self._restore_projects()
        config = self.sample.data["init_config"]
        self.tools.current_date, self.tools.current_location = config["current_date"], config["current_location"]
        return self.start()

    def _restore_projects(self) -> None:
        """todo_toolkits' reset: every project removed, then projects.json uploaded (its projects and tasks)."""
        where = f"Todoist at {self.tools.client.base}"
        try:
            ok, projects = self.tools.get_projects()
            if not ok:
                raise LiveServiceError(f"{where}: listing the projects failed: {projects}")
            for project in projects:
                ok, answer = self.tools.delete_project(project["id"])
                if not ok:
                    raise LiveServiceError(f"{where}: removing project {project['id']} failed: {answer}")
            for project in self.checkout.projects:
                ok, created = self.tools.add_project(project["name"])
                if not ok:
                    raise LiveServiceError(f"{where}: creating project {project['name']!r} failed: {created}")
                for task in project["tasks"]:
                    ok, answer = self.tools.add_task(created["id"], task["content"], task["description"],
                                                     task["due_date"], task["duration"], task["duration_unit"],
                                                     task["priority"])
                    if not ok:
                        raise LiveServiceError(f"{where}: creating task {task['content']!r} failed: {answer}")
        except requests.RequestException as exc:
            raise LiveServiceError(f"{where}: the reset of the todo account failed ({exception_text(exc)})") from None

    def run_tool(self, tool: str, kwargs: dict):
        ok, result = super().run_tool(tool, kwargs)  # todo_tools.py's (ok, result)
        if not ok:
            raise Refused(result)
        return result

    def subgoal_of(self, result):
        return without_ids(result)

    def solved(self, observation: str) -> bool:
        # tool.py reads an operation's final status when the episode is done (unless a network error ends it)
        status = not any(w in observation for w in self.checkout.network_errors) and self._final_status_matches()
        return self.reward == 1.0 and status

    def _final_status_matches(self) -> bool:
        """For an operation: the account's state, read when the episode is done, equals the item's answer."""
        if self.sample.data["goal_type"] != 1:
            return True
        try:
            self.final_status = self.tools.status()
        except (LiveServiceError, requests.RequestException, KeyError, TypeError, AttributeError):
            return False
        return self.final_status == self.sample.data["answer"]
