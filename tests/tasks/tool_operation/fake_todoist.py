"""The Todoist REST v2 part of the local fake (fake_services.py): projects and active tasks of one account."""

from __future__ import annotations


class Todoist:
    """Projects and active tasks of one account (ids are strings counted up from 2000, as deterministic as the
    calls that create them)."""

    def __init__(self, key: str):
        self.key, self.next_id = key, 2000
        self.projects: dict[str, dict] = {}
        self.tasks: dict[str, dict] = {}
        self._project("Inbox", inbox=True)

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def _project(self, name: str, inbox: bool = False, favorite: bool = False) -> dict:
        pid = self._new_id()
        self.projects[pid] = {"id": pid, "parent_id": None, "order": len(self.projects), "color": "charcoal",
                              "name": name, "comment_count": 0, "is_shared": False, "is_favorite": favorite,
                              "is_inbox_project": inbox, "is_team_inbox": False,
                              "url": f"https://todoist.com/showProject?id={pid}", "view_style": "list"}
        return self.projects[pid]

    def handle(self, method: str, parts: list[str], args: dict, headers) -> tuple[int, object]:
        if headers.get("Authorization") != f"Bearer {self.key}":
            return 401, "Unauthorized"
        if parts == ["projects"]:
            if method == "GET":
                return 200, list(self.projects.values())
            if method == "POST":
                if not args.get("name"):
                    return 400, "Required argument is missing: name"
                return 200, self._project(args["name"], favorite=_flag(args.get("is_favorite", "false")) is True)
        if len(parts) == 2 and parts[0] == "projects":
            project = self.projects.get(parts[1])
            if project is None:
                return 404, "Project not found"
            if method == "GET":
                return 200, project
            if method == "POST":
                if "is_favorite" in args:
                    flag = _flag(args["is_favorite"])
                    if flag is None:
                        return 400, "Invalid argument value: is_favorite"
                    project["is_favorite"] = flag
                return 200, project
            if method == "DELETE":
                if project["is_inbox_project"]:
                    return 400, "Inbox project can't be deleted"
                del self.projects[parts[1]]
                self.tasks = {k: t for k, t in self.tasks.items() if t["project_id"] != parts[1]}
                return 204, None
        if parts == ["tasks"]:
            if method == "GET":
                project = args.get("project_id")
                if project is not None and project not in self.projects:
                    return 400, "Invalid argument value: project_id"
                return 200, [t for t in self.tasks.values() if project is None or t["project_id"] == project]
            if method == "POST":
                return self._add_task(args)
        if len(parts) >= 2 and parts[0] == "tasks":
            task = self.tasks.get(parts[1])
            if task is None:
                return 404, "Task not found"
            if parts[2:] == ["close"] and method == "POST":
                del self.tasks[parts[1]]
                return 204, None
            if len(parts) == 2 and method == "GET":
                return 200, task
            if len(parts) == 2 and method == "POST":
                if args.get("due_date"):
                    task["due"] = _due(args["due_date"])
                return 200, task
            if len(parts) == 2 and method == "DELETE":
                del self.tasks[parts[1]]
                return 204, None
        return 404, "Not found"

    def _add_task(self, args: dict) -> tuple[int, object]:
        if not args.get("content"):
            return 400, "Required argument is missing: content"
        project = args.get("project_id") or next(iter(self.projects))
        if project not in self.projects:
            return 400, "Invalid argument value: project_id"
        if ("duration" in args) != ("duration_unit" in args):
            return 400, "Duration and duration_unit must be set together"
        tid = self._new_id()
        self.tasks[tid] = {
            "id": tid, "assigner_id": None, "assignee_id": None, "project_id": project, "section_id": None,
            "parent_id": None, "order": 1 + sum(t["project_id"] == project for t in self.tasks.values()),
            "content": args["content"], "description": args.get("description", ""), "is_completed": False,
            "labels": [], "priority": int(args.get("priority", 1)), "comment_count": 0, "creator_id": "42",
            "created_at": "2024-01-01T00:00:00.000000Z",
            "due": _due(args["due_date"]) if args.get("due_date") else None,
            "url": f"https://todoist.com/showTask?id={tid}",
            "duration": ({"amount": int(args["duration"]), "unit": args["duration_unit"]} if "duration" in args
                         else None)}
        return 200, self.tasks[tid]


def _flag(text: str) -> bool | None:
    return {"true": True, "1": True, "false": False, "0": False}.get(str(text).lower())


def _due(date: str) -> dict:
    return {"date": date, "string": date, "lang": "en", "is_recurring": False}


