"""Prompt assembly: the item's system prompt, a two-shot example for its task, then the user turn.

    from acbench.tasks.worfbench.prompts import build_messages
    messages = build_messages(record["conversations"], task="os")

The worked examples below are ours, written in the style of each upstream task (WorfBench's seven) and
of our built-in suite's four task types. Upstream text (WorfBench's data; credited in NOTICE): the action lists
`_HOUSEHOLD_ACTIONS` (ALFWorld's), `_OS_ACTIONS` and the WebShop action list, and the ALFWorld room opening. Example user turns start with "Here is an example." and the
real one with "Now it's your turn." as in the benchmark's two-shot setting.
"""

from __future__ import annotations

# Task name -> the family its examples come from (our built-in types share the families' examples).
TASK_TYPES = {
    "toolbench": "function_call",
    "toolalpaca": "function_call",
    "function_call": "function_call",
    "alfworld": "embodied",
    "webshop": "embodied",
    "os": "embodied",
    "embodied": "embodied",
    "lumos": "problem_solving",
    "problem_solving": "problem_solving",
    "wikihow": "open_grounded",
    "open_grounded": "open_grounded",
}

_HOUSEHOLD_ACTIONS = (
    "The action list you can take: 1. go to {recep}\n2. take {obj} from {recep}\n3. put {obj} in/on {recep}\n"
    "4. open {recep}\n5. close {recep}\n6. toggle {obj} {recep}\n7. clean {obj} with {recep}\n"
    "8. heat {obj} with {recep}\n9. cool {obj} with {recep}\nwhere {obj} and {recep} correspond to objects and receptacles."
)
_OS_ACTIONS = (
    "The action list you can take: bash: execute some bash code, take bash action\n"
    "finish: have finished the task, take finish action\nanswer: have got the answer to the question, take answer action"
)
_LUMOS_ACTIONS = (
    "The actions you can take: KnowledgeQuery(entity): look up facts about an entity; "
    "ParagraphRetrieve(context, query): find the passage that answers a query; QA(context, question): "
    "answer a question from a passage; Calculator(expression): evaluate arithmetic; Code(program): run Python."
)

# (user, assistant) pairs; the user text is the task as an item would state it.
EXAMPLES: dict[str, list[tuple[str, str]]] = {
    "function_call": [
        (
            "Task: I want to cook dinner with what is in season in Lisbon this week. Find two seasonal vegetables "
            "there and give me one recipe for each.\nThe api list you can use: [{'name': 'getSeasonalProduce', "
            "'description': 'List fruits and vegetables in season for a city and week.', 'parameters': {'city': "
            "'Required. string.', 'week': 'string. ISO week, default current.'}}, {'name': 'searchRecipes', "
            "'description': 'Find recipes that use an ingredient.', 'parameters': {'ingredient': 'Required. string.', "
            "'limit': 'integer.'}}]",
            "Node:\n1: Get the list of vegetables in season in Lisbon this week\n"
            "2: Search recipes that use the first seasonal vegetable\n"
            "3: Search recipes that use the second seasonal vegetable\n"
            "Edge: (START,1) (1,2) (1,3) (2,END) (3,END)",
        ),
        (
            "Task: Convert 250 US dollars to euros at today's rate, and separately tell me the current "
            "weather in Berlin.\nThe api list you can use: [{'name': 'convertCurrency', 'description': "
            "'Convert an amount between currencies at the latest rate.', 'parameters': {'amount': 'Required. "
            "number.', 'from': 'Required. string.', 'to': 'Required. string.'}}, {'name': 'getCurrentWeather', "
            "'description': 'Current conditions for a city.', 'parameters': {'city': 'Required. string.'}}]",
            "Node:\n1: Convert 250 USD to EUR at the latest exchange rate\n"
            "2: Get the current weather in Berlin\n"
            "Edge: (START,1) (START,2) (1,END) (2,END)",
        ),
    ],
    "embodied": [
        (
            "You are in the middle of a room. Looking quickly around you, you see a countertop 1, a drawer 1, "
            "a fridge 1, a microwave 1, a sinkbasin 1, and a stoveburner 1.\n\nYour task is to: put a hot egg "
            "in the fridge. " + _HOUSEHOLD_ACTIONS,
            "Node:\n1: go to where the egg may be placed\n2: take egg from where you found it\n"
            "3: go to microwave 1\n4: heat egg with microwave 1\n5: go to fridge 1\n6: open fridge 1\n"
            "7: put egg in/on fridge 1\nEdge: (START,1) (1,2) (2,3) (3,4) (4,5) (5,6) (6,7) (7,END)",
        ),
        (
            "You are in the middle of a room. Looking quickly around you, you see a cabinet 1, a countertop 1, "
            "a diningtable 1, a sinkbasin 1, and a shelf 1.\n\nYour task is to: put a clean plate and a clean "
            "cup on the diningtable. " + _HOUSEHOLD_ACTIONS,
            "Node:\n1: go to where the plate may be placed and take the plate\n2: go to where the cup may be "
            "placed and take the cup\n3: go to sinkbasin 1\n4: clean plate with sinkbasin 1\n"
            "5: clean cup with sinkbasin 1\n6: go to diningtable 1\n7: put plate and cup in/on diningtable 1\n"
            "Edge: (START,1) (START,2) (1,3) (2,3) (3,4) (3,5) (4,6) (5,6) (6,7) (7,END)",
        ),
    ],
    "webshop": [
        (
            "WebShop [SEP] Instruction: [SEP] i want a pack of 12 unscented beeswax candles, and price lower "
            "than 30.00 dollars [SEP] SearchThe action list you can take: search[keywords]\nclick[value].",
            "Node:\n1: search[12 pack unscented beeswax candles]\n2: click on a candle pack that is unscented, "
            "beeswax and under $30\n3: click[12 pack] to choose the pack size\n4: click[buy now] to purchase\n"
            "Edge: (START,1) (1,2) (2,3) (3,4) (4,END)",
        ),
        (
            "WebShop [SEP] Instruction: [SEP] i need a black waterproof phone armband for running, size large, "
            "and price lower than 20.00 dollars [SEP] SearchThe action list you can take: search[keywords]\n"
            "click[value].",
            "Node:\n1: search[black waterproof running phone armband large]\n2: click on an armband that is "
            "waterproof and costs less than $20\n3: click[black] to select the color\n4: click[large] to "
            "select the size\n5: click[buy now] to purchase\nEdge: (START,1) (1,2) (2,3) (2,4) (3,5) (4,5) (5,END)",
        ),
    ],
    "os": [
        (
            "Now, I will start a new problem in a new OS. My problem is:\n\nHow many files in /etc end with "
            ".conf? Count only regular files directly inside /etc." + _OS_ACTIONS,
            "Node:\n1: execute bash code to list regular files directly inside /etc\n"
            "2: execute bash code to keep the names ending with .conf and count them\n3: take answer action\n"
            "Edge: (START,1) (1,2) (2,3) (3,END)",
        ),
        (
            "Now, I will start a new problem in a new OS. My problem is:\n\nCreate a directory backup in your "
            "home directory and copy every .sh script from /opt/scripts into it, keeping file permissions."
            + _OS_ACTIONS,
            "Node:\n1: execute bash code to create the directory ~/backup\n2: execute bash code to find the .sh "
            "files in /opt/scripts\n3: execute bash code to copy the scripts into ~/backup preserving permissions\n"
            "4: take finish action\nEdge: (START,1) (START,2) (1,3) (2,3) (3,4) (4,END)",
        ),
    ],
    "problem_solving": [
        (
            "Question: Which is older, the Eiffel Tower or the Statue of Liberty, and by how many years? "
            + _LUMOS_ACTIONS,
            "Node:\n1: KnowledgeQuery the year the Eiffel Tower was completed\n"
            "2: KnowledgeQuery the year the Statue of Liberty was dedicated\n"
            "3: Calculator the difference between the two years\n4: QA which one is older from the two years\n"
            "Edge: (START,1) (START,2) (1,3) (2,3) (1,4) (2,4) (3,END) (4,END)",
        ),
        (
            "Question: A shop sells pens at 3 for $2. How much do 27 pens cost? " + _LUMOS_ACTIONS,
            "Node:\n1: Calculator the number of groups of 3 pens in 27 pens\n"
            "2: Calculator the total price of those groups at $2 each\nEdge: (START,1) (1,2) (2,END)",
        ),
    ],
    "open_grounded": [
        (
            "How to repot a houseplant?",
            "Node:\n1: Choose a pot one size larger with a drainage hole\n2: Water the plant a day before "
            "repotting\n3: Remove the plant and loosen the root ball\n4: Add fresh potting mix to the new pot\n"
            "5: Set the plant in the new pot and fill around it\n6: Water thoroughly and let it drain\n"
            "Edge: (START,1) (START,2) (2,3) (1,4) (3,5) (4,5) (5,6) (6,END)",
        ),
        (
            "How to make iced tea?",
            "Node:\n1: Boil water\n2: Steep the tea bags in the hot water\n3: Sweeten the tea while it is warm\n"
            "4: Chill the tea in the fridge\n5: Serve over ice\nEdge: (START,1) (1,2) (2,3) (3,4) (4,5) (5,END)",
        ),
    ],
}
# Upstream tasks in a family whose examples fit them as they are.
EXAMPLES["toolbench"] = EXAMPLES["toolalpaca"] = EXAMPLES["function_call"]
EXAMPLES["alfworld"] = EXAMPLES["embodied"]
EXAMPLES["lumos"] = EXAMPLES["problem_solving"]
EXAMPLES["wikihow"] = EXAMPLES["open_grounded"]

EXAMPLE_PREFIX = "Here is an example.\n"
TURN_PREFIX = "Now it's your turn.\n"


def examples_for(task: str) -> list[tuple[str, str]]:
    """The two worked examples for a task name (its family's when the name is not one we know)."""
    if task in EXAMPLES:
        return EXAMPLES[task]
    return EXAMPLES.get(TASK_TYPES.get(task, ""), EXAMPLES["function_call"])


def build_messages(conversations: list[dict], task: str, shots: int = 2) -> list[dict]:
    """System prompt of the item, `shots` worked examples, then the item's user turn (gold answer dropped)."""
    system = next((m["content"] for m in conversations if m["role"] == "system"), None)
    user = next(m["content"] for m in conversations if m["role"] == "user")
    messages = [{"role": "system", "content": system}] if system else []
    for example_user, example_answer in examples_for(task)[:shots]:
        messages += [
            {"role": "user", "content": EXAMPLE_PREFIX + example_user},
            {"role": "assistant", "content": example_answer},
        ]
    messages.append({"role": "user", "content": TURN_PREFIX + user})
    return messages
