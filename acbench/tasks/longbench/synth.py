"""Generators of our own long documents with planted answers, one per LongBench metric family.

    import random; from acbench.tasks.longbench import synth
    item = synth.report_qa(random.Random(0), words=1200)   # {"context", "input", "answers", ...}

Every generator takes a seeded `random.Random` and a target context length in words, and returns the
context, the question (`input`), the gold `answers` and, for classification, `all_classes`. The facts
that answer the question are planted once, among look-alike distractors, at a random position.
"""

from __future__ import annotations

import random

FIRST = ["Amara", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kavya",
         "Lars", "Mei", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Ulla", "Viktor", "Wen", "Yusuf"]
LAST = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Kowalski", "Haddad", "Ferreira", "Novak", "Brennan", "Sato",
        "Castillo", "Ivanova", "Mensah", "Keller", "Romano", "Petrov", "Dubois", "Nakamura", "Horvat", "Quinn"]
CITIES = ["Lisbon", "Tromso", "Valparaiso", "Kraków", "Nagoya", "Accra", "Tampere", "Cork", "Porto Alegre", "Gdansk",
          "Hobart", "Bergen", "Izmir", "Leipzig", "Mombasa", "Quebec City", "Salta", "Turku", "Utrecht", "Windhoek"]
ADJ = ["Amber", "Silver", "Northern", "Coastal", "Granite", "Willow", "Cobalt", "Harbour", "Summit", "Juniper",
       "Falcon", "Meadow", "Copper", "Lantern", "Orchid", "Beacon", "Cedar", "Saffron", "Tidal", "Quartz"]
KIND = ["Water-Testing Laboratory", "Seed Bank", "Battery Plant", "Weather Station", "Textile Mill",
        "Robotics Workshop", "Data Centre", "Ceramics Studio", "Fish Hatchery", "Bicycle Factory"]
FILLER = [
    "The annual audit found the site's safety records complete and up to date.",
    "Energy use fell slightly after the lighting was replaced with more efficient fittings.",
    "Staff turnover stayed close to the group average for the third year running.",
    "A new training programme for apprentices started in the spring.",
    "The board asked for quarterly rather than monthly progress reports from now on.",
    "Maintenance work on the roof was postponed because of the wet autumn.",
    "Local schools visited the site twice during the year.",
    "Supplier contracts were renegotiated, lowering transport costs.",
    "The waste-recycling rate improved after bins were added to every floor.",
    "An internal review recommended simpler procedures for ordering spare parts.",
    "Customer satisfaction surveys returned broadly positive results.",
    "The car park was resurfaced and now includes charging points for electric vehicles.",
]


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _count(parts: list[str]) -> int:
    return sum(len(p.split()) for p in parts)


# -- single-document QA (qa_f1) -------------------------------------------------------------------
def report_qa(rng: random.Random, words: int) -> dict:
    """An operations report on many facilities; the question asks one fact about one of them."""
    names = [f"{a} {k}" for a in ADJ for k in KIND]
    rng.shuffle(names)
    sections, facts = [], []
    while _count(sections) < words:
        name = names[len(sections)]
        fact = {"name": name, "city": rng.choice(CITIES), "manager": person(rng), "year": str(rng.randint(1962, 2021))}
        staff = rng.randint(12, 480)
        text = (
            f"The {name} in {fact['city']} opened in {fact['year']}. It is managed by {fact['manager']} and "
            f"employs {staff} people. " + " ".join(rng.sample(FILLER, 4))
        )
        sections.append(text)
        facts.append(fact)
    k = rng.randrange(len(facts))
    fact = facts[k]
    kind = rng.choice(["city", "manager", "year"])
    question = {
        "city": f"In which city is the {fact['name']}?",
        "manager": f"Who manages the {fact['name']}?",
        "year": f"In which year did the {fact['name']} open?",
    }[kind]
    context = "Group operations report\n\n" + "\n\n".join(sections)
    return {"context": context, "input": question, "answers": [fact[kind]]}


# -- query-based summary (rouge) ------------------------------------------------------------------
ACTIONS = [
    "move the product launch to early March", "hire two more support engineers",
    "switch the billing system to monthly invoices", "cancel the trade fair in Berlin",
    "run a customer survey before the summer", "cut the cloud budget by ten percent",
    "open a second office in Porto", "freeze new features until the security review ends",
    "publish the annual report in English and Spanish", "replace the old ticketing tool",
]
CHATTER = [
    "I looked at the numbers from last week and they are roughly where we expected.",
    "Can everyone see the shared screen now?",
    "We should keep an eye on the supplier delays, but nothing needs deciding today.",
    "The design team sent new mock-ups yesterday; they look promising.",
    "I think we covered that point in the last meeting already.",
    "Let me check the calendar and come back to you on the dates.",
    "Marketing asked whether we have final pricing yet; not yet, as far as I know.",
    "The test results came back clean this time.",
    "Sorry, my connection dropped for a moment. Could you repeat the last part?",
    "We had a few complaints about response times, mostly on Mondays.",
    "I will share the slides after the call.",
    "There is still some uncertainty about the hiring budget for next year.",
]


def meeting_summary(rng: random.Random, words: int) -> dict:
    """A long meeting transcript with three decisions planted, each taken on by one speaker."""
    speakers = rng.sample([f"{f} {rng.choice(LAST)}" for f in FIRST], 5)
    decisions = list(zip(rng.sample(speakers, 3), rng.sample(ACTIONS, 3)))
    lines: list[str] = []
    while _count(lines) < words:
        lines.append(f"{rng.choice(speakers)}: " + " ".join(rng.sample(CHATTER, 2)))
    slots = sorted(rng.sample(range(1, len(lines)), 3))
    for (owner, action), slot in zip(reversed(decisions), reversed(slots)):
        lines.insert(slot, f"{owner}: So we agree: we will {action}. I will take care of that myself.")
    ordered = sorted(decisions, key=lambda d: next(i for i, line in enumerate(lines) if d[1] in line))
    summary = "The team made three decisions. " + " ".join(
        f"{owner.split()[0]} will {action}." for owner, action in ordered
    )
    query = "What did the team decide in this meeting, and who will carry out each decision?"
    return {"context": "\n".join(lines), "input": query, "answers": [summary]}


# -- classification -------------------------------------------------------------------------------
TICKETS = {
    "Billing": ["I was charged twice for my {plan} plan this month.", "My invoice for {month} shows the wrong amount.",
                "Why did the price of the {plan} plan go up without notice?"],
    "Account access": ["I cannot log in since I changed my password on {month} 3.",
                       "The two-factor code never arrives on my phone.", "My account is locked after three failed logins."],
    "Shipping": ["My parcel with order {num} has not arrived after {days} days.",
                 "The tracking page for order {num} has not changed in a week.", "The courier left order {num} at the wrong address."],
    "Refund": ["I sent back the {item} and would like my money returned.",
               "Please refund order {num}; the {item} arrived broken.", "I cancelled within the trial, so I expect a full refund."],
    "Bug report": ["The app crashes whenever I open the {page} page.", "Saving a file on the {page} page shows an error 500.",
                   "Buttons on the {page} page do nothing after the last update."],
    "Feature request": ["It would be great if the app could export to {format}.",
                        "Please add a dark mode to the {page} page.", "Could you support {format} files in the next version?"],
}
SLOTS = {
    "plan": ["Basic", "Pro", "Family", "Team"], "month": ["January", "March", "June", "October"],
    "num": [str(n) for n in range(40512, 40540)], "days": ["nine", "twelve", "fifteen"],
    "item": ["kettle", "desk lamp", "headset", "blender"], "page": ["settings", "reports", "calendar", "profile"],
    "format": ["PDF", "CSV", "Markdown", "spreadsheet"],
}


def _ticket(rng: random.Random, label: str) -> str:
    return rng.choice(TICKETS[label]).format(**{k: rng.choice(v) for k, v in SLOTS.items()})


def ticket_type(rng: random.Random, words: int) -> dict:
    """Many labelled support tickets as examples, then one unlabelled ticket to classify."""
    classes = list(TICKETS)
    examples: list[str] = []
    while _count(examples) < words:
        label = rng.choice(classes)
        examples.append(f"Ticket: {_ticket(rng, label)}\nType: {label}")
    label = rng.choice(classes)
    return {"context": "\n\n".join(examples), "input": f"Ticket: {_ticket(rng, label)}\nType:",
            "answers": [label], "all_classes": classes}


# -- passages: retrieval and counting -------------------------------------------------------------
PROFESSIONS = ["glassblower", "cartographer", "botanist", "clockmaker", "violinist", "architect", "astronomer",
               "bookbinder", "sculptor", "engineer", "chemist", "photographer", "weaver", "poet", "surgeon"]
WORKS = ["a map of the northern fjords", "a frost-proof greenhouse", "a clock that ran for a century",
         "a suite for solo violin", "a floating library", "a catalogue of comets", "an illustrated atlas of mosses",
         "a bridge made of recycled steel", "a dye that never fades", "a portrait series of lighthouse keepers",
         "a loom driven by wind", "a book of river songs", "a faster method of setting bones", "a solar kiln",
         "a museum built into a hill"]
PASSAGE_FILL = [
    "As a child, {first} spent long afternoons in the workshop of a neighbour.",
    "Early work attracted little attention, and money was often short.",
    "A scholarship eventually made it possible to study abroad for two years.",
    "Colleagues described {first} as patient, stubborn and generous with time.",
    "Several apprentices later became well known in their own right.",
    "In later life {first} taught evening classes and wrote letters to young makers.",
    "Many of the original notebooks are now kept in the city archive.",
    "A small prize in the field still carries the family name.",
]


def _biography(rng: random.Random, name: str, profession: str, city: str, work: str) -> str:
    first = name.split()[0]
    fill = [s.format(first=first) for s in rng.sample(PASSAGE_FILL, 5)]
    return (f"{name} was a {profession} born in {city} in {rng.randint(1820, 1960)}. " + " ".join(fill[:3])
            + f" The best-known result of this career is {work}. " + " ".join(fill[3:]))


def _distinct_people(rng: random.Random, n: int) -> list[tuple[str, str, str, str]]:
    seen, out = set(), []
    while len(out) < n:
        key = (rng.choice(PROFESSIONS), rng.choice(CITIES), rng.choice(WORKS))
        if key not in seen:
            seen.add(key)
            out.append((person(rng), *key))
    return out


def passage_retrieval(rng: random.Random, words: int) -> dict:
    """Numbered biographies; the abstract paraphrases one of them (unique profession, city and work)."""
    n = max(3, words // 72)
    people = _distinct_people(rng, n)
    paragraphs = [f"Paragraph {i + 1}: {_biography(rng, *p)}" for i, p in enumerate(people)]
    k = rng.randrange(n)
    _, profession, city, work = people[k]
    abstract = f"The life of a {profession} from {city}, remembered above all for {work}."
    return {"context": "\n\n".join(paragraphs), "input": abstract, "answers": [f"Paragraph {k + 1}"]}


def passage_count(rng: random.Random, words: int) -> dict:
    """Biographies, some repeated word for word, shuffled; the answer is the number of distinct ones."""
    total = max(4, words // 72)
    unique = rng.randint(total // 2, total - 1)
    texts = [_biography(rng, *p) for p in _distinct_people(rng, unique)]
    pool = texts + [rng.choice(texts) for _ in range(total - unique)]
    rng.shuffle(pool)
    context = "\n\n".join(f"Paragraph {i + 1}: {t}" for i, t in enumerate(pool))
    return {"context": context, "input": "", "answers": [str(unique)]}


# -- code completion (code_sim) --------------------------------------------------------------------
NOUNS = ["invoice", "shipment", "sensor", "booking", "patient", "course", "vehicle", "playlist", "recipe", "ticket",
         "warehouse", "account", "forecast", "package", "member", "order", "rental", "survey"]
FIELDS = ["name", "owner", "created_at", "status", "priority", "amount", "region", "label", "weight", "capacity",
          "email", "due_date", "currency", "score", "notes", "version"]


def _camel(noun: str) -> str:
    return noun.capitalize() + "Record"


def _class_lines(noun: str, fields: list[str]) -> list[str]:
    lines = [f"class {_camel(noun)}:", f'    """One {noun} as stored in the {noun}s table."""', "",
             f"    def __init__(self, {', '.join(fields)}):"]
    lines += [f"        self._{f} = {f}" for f in fields]
    for f in fields:
        lines += ["", f"    def get_{f}(self):", f"        return self._{f}"]
    lines += ["", "    def to_dict(self):", "        return {" + ", ".join(f'"{f}": self._{f}' for f in fields) + "}"]
    lines += ["", "", f"def load_{noun}s(rows):", f"    # Build {noun} records from raw database rows.",
              f"    return [{_camel(noun)}(*row) for row in rows]", "", ""]
    return lines


def code_completion(rng: random.Random, words: int) -> dict:
    """A long Python module of record classes; the context stops where the next line is determined."""
    lines = ['"""Data records of the back-office service (generated)."""', "", ""]
    used: list[str] = []
    while _count(lines) < words:
        noun = rng.choice(NOUNS) + ("" if len(used) < len(NOUNS) else str(len(used)))
        if noun in used:
            continue
        used.append(noun)
        lines += _class_lines(noun, rng.sample(FIELDS, rng.randint(3, 6)))
    noun, fields = "ledger", rng.sample(FIELDS, 4)
    last = _class_lines(noun, fields)
    if rng.random() < 0.5:  # stop inside a getter: the body mirrors every getter above
        f = rng.choice(fields[1:])
        cut = last.index(f"    def get_{f}(self):") + 1
    else:  # stop inside __init__: the next assignment follows the parameter list
        f = fields[2]
        cut = last.index(f"        self._{f} = {f}")
    answer = last[cut].strip()  # chat replies rarely keep the indentation; the gold line is compared as code text
    context = "\n".join(lines + last[:cut]) + "\n"
    return {"context": context, "input": "", "answers": [answer]}
