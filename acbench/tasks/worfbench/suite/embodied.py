"""Embodied items: a household robot in a text world (ALFWorld style).

Written here: the goals, subtasks and edges of every item and the kitchen, bedroom and living-room receptacle
lists. Upstream text (WorfBench's alfworld data, from ALFWorld; credited in NOTICE): the action list in
`_ACTIONS` (upstream's "2. task {obj}" typo corrected to "take"), the opening "You are in the middle of a room.
Looking quickly around you, you see ..." and `_BATHROOM`'s receptacle list.
"""

from __future__ import annotations

_ACTIONS = (
    "The action list you can take: 1. go to {recep}\n2. take {obj} from {recep}\n3. put {obj} in/on {recep}\n"
    "4. open {recep}\n5. close {recep}\n6. toggle {obj} {recep}\n7. clean {obj} with {recep}\n"
    "8. heat {obj} with {recep}\n9. cool {obj} with {recep}\nwhere {obj} and {recep} correspond to objects and receptacles."
)


def _task(receptacles: str, goal: str) -> str:
    return (
        f"You are in the middle of a room. Looking quickly around you, you see {receptacles}.\n\n"
        f"Your task is to: {goal}. {_ACTIONS}"
    )


_KITCHEN = "a cabinet 3, a cabinet 2, a cabinet 1, a coffeemachine 1, a countertop 2, a countertop 1, a diningtable 1, a drawer 2, a drawer 1, a fridge 1, a garbagecan 1, a microwave 1, a sinkbasin 1, a stoveburner 2, a stoveburner 1, and a toaster 1"
_BEDROOM = "a bed 1, a desk 1, a desklamp 1, a drawer 3, a drawer 2, a drawer 1, a dresser 1, a garbagecan 1, a laundryhamper 1, a shelf 2, a shelf 1, and a sidetable 1"
_BATHROOM = "a bathtubbasin 1, a cabinet 2, a cabinet 1, a countertop 1, a garbagecan 1, a handtowelholder 1, a sinkbasin 1, a toilet 1, a toiletpaperhanger 1, and a towelholder 1"
_LIVING = "an armchair 1, a coffeetable 1, a drawer 2, a drawer 1, a floorlamp 1, a garbagecan 1, a shelf 3, a shelf 2, a shelf 1, a sidetable 1, a sofa 1, and a tvstand 1"

# (user turn, subtasks, edges)
ITEMS = [
    (
        _task(_KITCHEN, "put a clean apple in fridge"),
        ["go to where the apple may be placed", "take apple from where you found it", "go to sinkbasin 1", "clean apple with sinkbasin 1", "go to fridge 1", "open fridge 1", "put apple in/on fridge 1"],
        "(START,1) (1,2) (2,3) (3,4) (4,5) (5,6) (6,7) (7,END)",
    ),
    (
        _task(_KITCHEN, "put a hot egg and a cool tomato on the diningtable"),
        ["go to where the egg may be placed and take the egg", "heat egg with microwave 1", "go to where the tomato may be placed and take the tomato", "cool tomato with fridge 1", "go to diningtable 1", "put egg in/on diningtable 1", "put tomato in/on diningtable 1"],
        "(START,1) (1,2) (START,3) (3,4) (2,5) (4,5) (5,6) (5,7) (6,END) (7,END)",
    ),
    (
        _task(_BEDROOM, "examine the book with the desklamp"),
        ["go to where the book may be placed", "take book from where you found it", "go to desk 1", "toggle desklamp 1 on"],
        "(START,1) (1,2) (2,3) (3,4) (4,END)",
    ),
    (
        _task(_LIVING, "turn on the floorlamp and put the keychain in a drawer"),
        ["go to floorlamp 1", "toggle floorlamp 1 on", "go to where the keychain may be placed", "take keychain from where you found it", "go to drawer 1", "open drawer 1", "put keychain in/on drawer 1"],
        "(START,1) (1,2) (START,3) (3,4) (4,5) (5,6) (6,7) (2,END) (7,END)",
    ),
    (
        _task(_KITCHEN, "put a cool mug in coffeemachine"),
        ["go to where the mug may be placed", "take mug from where you found it", "go to fridge 1", "cool mug with fridge 1", "go to coffeemachine 1", "put mug in/on coffeemachine 1"],
        "(START,1) (1,2) (2,3) (3,4) (4,5) (5,6) (6,END)",
    ),
    (
        _task(_BATHROOM, "put a clean cloth in the bathtubbasin and a toiletpaper on the toiletpaperhanger"),
        ["go to where the cloth may be placed and take the cloth", "go to sinkbasin 1", "clean cloth with sinkbasin 1", "put cloth in/on bathtubbasin 1", "go to where the toiletpaper may be placed and take the toiletpaper", "go to toiletpaperhanger 1", "put toiletpaper in/on toiletpaperhanger 1"],
        "(START,1) (1,2) (2,3) (3,4) (START,5) (5,6) (6,7) (4,END) (7,END)",
    ),
    (
        _task(_KITCHEN, "heat some potato and put it in the garbagecan"),
        ["go to where the potato may be placed", "take potato from where you found it", "go to microwave 1", "heat potato with microwave 1", "go to garbagecan 1", "put potato in/on garbagecan 1"],
        "(START,1) (1,2) (2,3) (3,4) (4,5) (5,6) (6,END)",
    ),
    (
        _task(_BEDROOM, "put two cellphones on the bed"),
        ["go to where the first cellphone may be placed and take it", "go to where the second cellphone may be placed and take it", "go to bed 1", "put first cellphone in/on bed 1", "put second cellphone in/on bed 1"],
        "(START,1) (START,2) (1,3) (2,3) (3,4) (3,5) (4,END) (5,END)",
    ),
    (
        _task(_KITCHEN, "put a clean knife and a clean spatula in a drawer"),
        ["go to where the knife may be placed and take the knife", "go to where the spatula may be placed and take the spatula", "go to sinkbasin 1", "clean knife with sinkbasin 1", "clean spatula with sinkbasin 1", "go to drawer 1", "open drawer 1", "put knife and spatula in/on drawer 1"],
        "(START,1) (START,2) (1,3) (2,3) (3,4) (3,5) (4,6) (5,6) (6,7) (7,8) (8,END)",
    ),
    (
        _task(_LIVING, "put a remotecontrol on the sofa"),
        ["go to where the remotecontrol may be placed", "take remotecontrol from where you found it", "go to sofa 1", "put remotecontrol in/on sofa 1"],
        "(START,1) (1,2) (2,3) (3,4) (4,END)",
    ),
    (
        _task(_KITCHEN, "cool a bottle of wine and put it on the diningtable, then put a clean glass next to it"),
        ["go to where the winebottle may be placed and take the winebottle", "cool winebottle with fridge 1", "go to where the glass may be placed and take the glass", "clean glass with sinkbasin 1", "go to diningtable 1", "put winebottle in/on diningtable 1", "put glass in/on diningtable 1"],
        "(START,1) (1,2) (START,3) (3,4) (2,5) (4,5) (5,6) (6,7) (7,END)",
    ),
    (
        _task(_BATHROOM, "put a soapbar in the cabinet"),
        ["go to where the soapbar may be placed", "take soapbar from where you found it", "go to cabinet 1", "open cabinet 1", "put soapbar in/on cabinet 1"],
        "(START,1) (1,2) (2,3) (3,4) (4,5) (5,END)",
    ),
    (
        _task(_BEDROOM, "put the pillow on the dresser and look at the alarmclock under the desklamp"),
        ["go to bed 1", "take pillow from bed 1", "go to dresser 1", "put pillow in/on dresser 1", "go to where the alarmclock may be placed", "take alarmclock from where you found it", "go to desk 1", "toggle desklamp 1 on"],
        "(START,1) (1,2) (2,3) (3,4) (START,5) (5,6) (6,7) (7,8) (4,END) (8,END)",
    ),
    (
        _task(_KITCHEN, "put a hot slice of bread on a clean plate on the countertop"),
        ["go to where the bread may be placed and take the bread", "heat bread with toaster 1", "go to where the plate may be placed and take the plate", "clean plate with sinkbasin 1", "go to countertop 1", "put plate in/on countertop 1", "put bread in/on plate"],
        "(START,1) (1,2) (START,3) (3,4) (2,5) (4,5) (5,6) (6,7) (7,END)",
    ),
    (
        _task(_LIVING, "put two books on the shelf"),
        ["go to where the first book may be placed", "take the first book", "go to shelf 1", "put the first book in/on shelf 1", "go to where the second book may be placed", "take the second book", "go to shelf 1", "put the second book in/on shelf 1"],
        "(START,1) (1,2) (2,3) (3,4) (4,5) (5,6) (6,7) (7,8) (8,END)",
    ),
    (
        _task(_KITCHEN, "make breakfast: put a hot egg, a hot potato and a cool apple on the diningtable"),
        ["go to where the egg may be placed and take the egg", "heat egg with stoveburner 1", "go to where the potato may be placed and take the potato", "heat potato with microwave 1", "go to where the apple may be placed and take the apple", "cool apple with fridge 1", "go to diningtable 1", "put egg, potato and apple in/on diningtable 1"],
        "(START,1) (1,2) (START,3) (3,4) (START,5) (5,6) (2,7) (4,7) (6,7) (7,8) (8,END)",
    ),
]
