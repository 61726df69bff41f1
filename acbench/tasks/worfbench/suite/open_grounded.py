"""Open-grounded items: everyday how-to goals with no fixed action set (WikiHow style). Written by us."""

from __future__ import annotations

# (user turn, subtasks, edges)
ITEMS = [
    (
        "How to change a flat tire on a car?",
        ["Park on flat ground and turn on the hazard lights", "Take out the spare tire, jack and lug wrench", "Loosen the lug nuts while the wheel is on the ground", "Jack up the car", "Remove the lug nuts and the flat tire", "Mount the spare tire and hand-tighten the nuts", "Lower the car and tighten the nuts in a star pattern"],
        "(START,1) (1,2) (1,3) (2,4) (3,4) (4,5) (5,6) (6,7) (7,END)",
    ),
    (
        "How to make a cup of pour-over coffee?",
        ["Heat water to about 94 degrees Celsius", "Grind the coffee beans to a medium-fine grind", "Rinse the paper filter in the dripper with hot water", "Add the ground coffee to the filter", "Pour a little water to let the coffee bloom for 30 seconds", "Pour the rest of the water slowly in circles"],
        "(START,1) (START,2) (1,3) (2,4) (3,4) (4,5) (5,6) (6,END)",
    ),
    (
        "How to write a cover letter?",
        ["Read the job posting and note the key requirements", "Research the company and its values", "Write an opening that names the role and why you want it", "Write a paragraph matching your experience to the requirements", "Close with a call to action and thank the reader", "Proofread the letter and save it as a PDF"],
        "(START,1) (START,2) (1,3) (2,3) (1,4) (3,5) (4,5) (5,6) (6,END)",
    ),
    (
        "How to plant tomato seedlings in a garden bed?",
        ["Harden off the seedlings outdoors for a week", "Loosen the soil and mix in compost", "Dig holes deep enough to bury most of the stem", "Plant the seedlings and firm the soil around them", "Water the seedlings deeply", "Add stakes or cages for support"],
        "(START,1) (START,2) (2,3) (1,4) (3,4) (4,5) (4,6) (5,END) (6,END)",
    ),
    (
        "How to clean a laptop keyboard?",
        ["Shut down the laptop and unplug it", "Turn it upside down and tap out loose crumbs", "Blow compressed air between the keys", "Wipe the keys with a cloth dampened with isopropyl alcohol", "Let the keyboard dry before turning the laptop on"],
        "(START,1) (1,2) (2,3) (3,4) (4,5) (5,END)",
    ),
    (
        "How to host a board game night?",
        ["Pick a date and invite friends", "Choose games that suit the number of players", "Buy snacks and drinks", "Clear and set up a table with enough seating", "Explain the rules of the first game when guests arrive"],
        "(START,1) (1,2) (1,3) (START,4) (2,5) (3,5) (4,5) (5,END)",
    ),
    (
        "How to paint a bedroom wall?",
        ["Move furniture away and cover the floor with drop cloths", "Buy paint, a roller, a brush and painter's tape", "Fill holes with spackle and sand them smooth", "Tape the edges along the ceiling, trim and outlets", "Cut in the edges with a brush", "Roll the first coat of paint", "Let it dry and roll a second coat", "Remove the tape while the paint is slightly wet"],
        "(START,1) (START,2) (1,3) (3,4) (2,4) (4,5) (5,6) (6,7) (7,8) (8,END)",
    ),
    (
        "How to bake banana bread?",
        ["Preheat the oven to 175 degrees Celsius", "Grease a loaf pan", "Mash three ripe bananas", "Mix the bananas with melted butter, sugar and an egg", "Stir in the flour, baking soda and salt", "Pour the batter into the pan and bake for about an hour"],
        "(START,1) (START,2) (START,3) (3,4) (4,5) (1,6) (2,6) (5,6) (6,END)",
    ),
    (
        "How to renew a passport by mail?",
        ["Check that you are eligible to renew by mail", "Fill in the renewal application form", "Get a new passport photo that meets the rules", "Pay the fee by check or money order", "Mail the form, photo, fee and old passport together"],
        "(START,1) (1,2) (1,3) (1,4) (2,5) (3,5) (4,5) (5,END)",
    ),
    (
        "How to train a puppy to sit?",
        ["Get small treats the puppy likes", "Hold a treat near the puppy's nose", "Move the treat up and back so its bottom lowers", "Say 'sit' and give the treat as soon as it sits", "Repeat in short sessions every day"],
        "(START,1) (1,2) (2,3) (3,4) (4,5) (5,END)",
    ),
    (
        "How to set up a home aquarium?",
        ["Choose a spot away from direct sunlight on a sturdy stand", "Rinse the gravel and decorations", "Add the gravel and decorations to the tank", "Install the filter and heater", "Fill the tank with dechlorinated water", "Run the filter for several weeks to cycle the tank", "Add a few fish at a time"],
        "(START,1) (START,2) (1,3) (2,3) (3,4) (4,5) (5,6) (6,7) (7,END)",
    ),
    (
        "How to prepare for a job interview?",
        ["Research the company's products and recent news", "Reread the job description and your resume", "Prepare stories that show your key skills", "Prepare questions to ask the interviewer", "Practise answers aloud with a friend", "Plan your outfit and route the day before"],
        "(START,1) (START,2) (2,3) (1,4) (3,5) (4,5) (START,6) (5,END) (6,END)",
    ),
    (
        "How to make a simple tomato pasta sauce?",
        ["Chop an onion and two cloves of garlic", "Soften the onion in olive oil over medium heat", "Add the garlic and cook for a minute", "Add crushed tomatoes, salt and basil", "Simmer the sauce for 20 minutes"],
        "(START,1) (1,2) (2,3) (3,4) (4,5) (5,END)",
    ),
    (
        "How to move to a new apartment?",
        ["Give notice to your current landlord", "Book movers or rent a van for moving day", "Collect boxes and packing supplies", "Pack room by room and label the boxes", "Set up electricity and internet at the new address", "Update your address with the bank and post office", "Move the boxes and furniture on moving day", "Clean the old apartment and return the keys"],
        "(START,1) (START,2) (START,3) (3,4) (START,5) (START,6) (2,7) (4,7) (7,8) (1,8) (5,END) (6,END) (8,END)",
    ),
    (
        "How to start running as a beginner?",
        ["Get a pair of comfortable running shoes", "Choose a walk-run plan such as couch to 5K", "Warm up with five minutes of brisk walking", "Alternate one minute of running with two of walking", "Cool down and stretch", "Increase the running intervals each week"],
        "(START,1) (START,2) (1,3) (2,3) (3,4) (4,5) (5,6) (6,END)",
    ),
    (
        "How to back up photos from a phone to a computer?",
        ["Connect the phone to the computer with a USB cable", "Unlock the phone and allow file access", "Create a backup folder on the computer", "Copy the photo folder from the phone into the backup folder", "Check that the copied photos open"],
        "(START,1) (1,2) (START,3) (2,4) (3,4) (4,5) (5,END)",
    ),
]
