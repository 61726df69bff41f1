"""Problem-solving items: multi-hop questions and word problems for a tool-using agent (Lumos style). Written by us."""

from __future__ import annotations

_TOOLS = (
    "The actions you can take: KnowledgeQuery(entity): look up facts about an entity; "
    "ParagraphRetrieve(context, query): find the passage that answers a query; QA(context, question): "
    "answer a question from a passage; Calculator(expression): evaluate arithmetic; Code(program): run Python."
)


def _task(question: str) -> str:
    return f"Question: {question} {_TOOLS}"


# (user turn, subtasks, edges)
ITEMS = [
    (
        _task("How many years passed between the first Moon landing and the launch of the Hubble Space Telescope?"),
        ["KnowledgeQuery the year of the first crewed Moon landing", "KnowledgeQuery the year the Hubble Space Telescope was launched", "Calculator the difference between the launch year and the landing year"],
        "(START,1) (START,2) (1,3) (2,3) (3,END)",
    ),
    (
        _task("Who directed the film that won the Academy Award for Best Picture in 1998, and in which city was that director born?"),
        ["KnowledgeQuery the film that won Best Picture at the 1998 Academy Awards", "QA who directed that film", "KnowledgeQuery the director to find his birthplace"],
        "(START,1) (1,2) (2,3) (3,END)",
    ),
    (
        _task("A recipe needs 2.5 cups of flour for 12 muffins. How many cups are needed for 30 muffins?"),
        ["Calculator the cups of flour per muffin as 2.5 / 12", "Calculator the flour for 30 muffins by multiplying the amount per muffin by 30"],
        "(START,1) (1,2) (2,END)",
    ),
    (
        _task("Which river is longer, the Danube or the Rhine, and what is the difference in kilometres?"),
        ["KnowledgeQuery the length of the Danube", "KnowledgeQuery the length of the Rhine", "Calculator the difference between the two lengths", "QA which river is longer given the two lengths"],
        "(START,1) (START,2) (1,3) (2,3) (1,4) (2,4) (3,END) (4,END)",
    ),
    (
        _task("What is the population density of Portugal in people per square kilometre?"),
        ["KnowledgeQuery the population of Portugal", "KnowledgeQuery the area of Portugal in square kilometres", "Calculator the population divided by the area"],
        "(START,1) (START,2) (1,3) (2,3) (3,END)",
    ),
    (
        _task("The author of 'One Hundred Years of Solitude' won the Nobel Prize in Literature in which year, and how old was he then?"),
        ["KnowledgeQuery the author of 'One Hundred Years of Solitude'", "KnowledgeQuery the year the author won the Nobel Prize in Literature", "KnowledgeQuery the author's birth year", "Calculator the author's age in the prize year"],
        "(START,1) (1,2) (1,3) (2,4) (3,4) (4,END)",
    ),
    (
        _task("A train leaves at 09:40 and travels 342 km at an average of 114 km/h. At what time does it arrive?"),
        ["Calculator the travel time in hours as 342 / 114", "Code add the travel time to 09:40 to get the arrival time"],
        "(START,1) (1,2) (2,END)",
    ),
    (
        _task("Which element has the higher melting point, tungsten or iron, and by how many degrees Celsius?"),
        ["KnowledgeQuery the melting point of tungsten", "KnowledgeQuery the melting point of iron", "Calculator the difference between the two melting points"],
        "(START,1) (START,2) (1,3) (2,3) (3,END)",
    ),
    (
        _task("In which country is the headquarters of the company that makes the PlayStation, and what is the capital of that country?"),
        ["KnowledgeQuery the company that makes the PlayStation", "KnowledgeQuery the country of that company's headquarters", "KnowledgeQuery the capital of that country"],
        "(START,1) (1,2) (2,3) (3,END)",
    ),
    (
        _task("A jacket costs $80. It is discounted by 25% and then 8% sales tax is added. What is the final price?"),
        ["Calculator the discounted price as 80 * (1 - 0.25)", "Calculator the final price by adding 8% tax to the discounted price"],
        "(START,1) (1,2) (2,END)",
    ),
    (
        _task("Were Mozart and Beethoven ever alive at the same time, and if so, for how many years did their lives overlap?"),
        ["KnowledgeQuery the birth and death years of Mozart", "KnowledgeQuery the birth and death years of Beethoven", "Calculator the overlap between the two lifespans", "QA whether the lifespans overlap at all"],
        "(START,1) (START,2) (1,3) (2,3) (1,4) (2,4) (3,END) (4,END)",
    ),
    (
        _task("What is the sum of all prime numbers below 100?"),
        ["Code list all prime numbers below 100", "Code sum the listed primes"],
        "(START,1) (1,2) (2,END)",
    ),
    (
        _task("Given the passage about the 1908 Tunguska event, how large was the area of flattened forest and what is thought to have caused it?"),
        ["ParagraphRetrieve the passage about the Tunguska event for the area of flattened forest", "QA the size of the flattened forest area from that passage", "ParagraphRetrieve the passage about the Tunguska event for the likely cause", "QA the likely cause from that passage"],
        "(START,1) (1,2) (START,3) (3,4) (2,END) (4,END)",
    ),
    (
        _task("Which has more moons, Jupiter or Saturn, and how many moons do the two planets have together?"),
        ["KnowledgeQuery the number of known moons of Jupiter", "KnowledgeQuery the number of known moons of Saturn", "QA which planet has more moons", "Calculator the total number of moons of the two planets"],
        "(START,1) (START,2) (1,3) (2,3) (1,4) (2,4) (3,END) (4,END)",
    ),
    (
        _task("How many days are there between 14 March 2024 and 2 November 2024, and what weekday is 2 November 2024?"),
        ["Code count the days between 2024-03-14 and 2024-11-02", "Code find the weekday of 2024-11-02"],
        "(START,1) (START,2) (1,END) (2,END)",
    ),
    (
        _task("The tallest building in the world and the tallest building in Europe: in which cities are they, how tall is each, and how much taller is the first?"),
        ["KnowledgeQuery the tallest building in the world", "KnowledgeQuery the tallest building in Europe", "KnowledgeQuery the city and height of the world's tallest building", "KnowledgeQuery the city and height of Europe's tallest building", "Calculator the difference between the two heights", "QA the two cities and heights from the facts found"],
        "(START,1) (START,2) (1,3) (2,4) (3,5) (4,5) (3,6) (4,6) (5,END) (6,END)",
    ),
]
