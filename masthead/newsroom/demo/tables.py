# ruff: noqa: E501 — prose tables read better one entry per line
"""The demo magazine's facts: sections, writers, and per-section topic tables.

The generator (writer.py) fills sentence templates from these tables, so the
demo reads like a magazine rather than lorem ipsum. Everyone quoted is
fictional; places and institutions are real only as settings.
"""

from __future__ import annotations

MAGAZINE_NAME = "The Masthead Review"

SECTIONS: list[dict[str, str]] = [
    {
        "title": "Politics",
        "intro": "Power in Washington and the statehouses: who holds it, who wants it, and what they do with it.",
    },
    {"title": "Finance", "intro": "Markets, money and the economy, explained for readers who have to live in it."},
    {"title": "Foreign Affairs", "intro": "Diplomacy, war and the balance of power, from the capitals that decide them."},
    {"title": "Environment", "intro": "Climate, land, water and energy, reported from the places where change happens first."},
    {"title": "Culture", "intro": "Books, film, music and ideas, and the arguments they start."},
    {"title": "Technology", "intro": "The machines, the software and the companies reshaping work and daily life."},
]

# Staff writers. The seed article's author is imported from its byline and gets her portrait and bio here.
WRITERS: list[dict[str, str]] = [
    {
        "name": "Angeline Tan",
        "role": "Foreign correspondent",
        "section": "Foreign Affairs",
        "bio": "Angeline Tan covers Russia, China and the diplomacy between them. She has reported from Moscow, "
        "Beijing and Singapore, and writes about how governments explain themselves to the world.",
    },
    {
        "name": "Margaret Hollis",
        "role": "Washington editor",
        "section": "Politics",
        "bio": "Margaret Hollis has covered Congress and three presidential campaigns. Before joining the magazine "
        "she ran the statehouse bureau of a Midwestern daily.",
    },
    {
        "name": "Daniel Ferreira",
        "role": "Finance editor",
        "section": "Finance",
        "bio": "Daniel Ferreira writes about central banks, credit and the household economy. He spent a decade as "
        "a bond analyst before he started explaining markets instead of trading them.",
    },
    {
        "name": "Ruth Okonkwo",
        "role": "Environment correspondent",
        "section": "Environment",
        "bio": "Ruth Okonkwo reports on climate, agriculture and water, most often from the field. Her work on "
        "drought in the Colorado basin won a regional press award.",
    },
    {
        "name": "Simon Achterberg",
        "role": "Culture critic",
        "section": "Culture",
        "bio": "Simon Achterberg reviews books and film and writes the magazine's column on ideas. He lives in "
        "Chicago and teaches a night class on the essay.",
    },
    {
        "name": "Leah Nakamura",
        "role": "Technology writer",
        "section": "Technology",
        "bio": "Leah Nakamura writes about software, chips and the companies that make them. She was a developer "
        "for eight years, which she says is why she reads the terms of service.",
    },
]

# People quoted in generated articles: fictional names; roles come from each section's table.
PEOPLE = [
    "Marian Holt", "Devin Okafor", "Lucía Márquez", "Tomasz Wren", "Priya Raman", "Henrik Dahl", "Grace Adeyemi",
    "Owen Kessler", "Naomi Fischer", "Samuel Ortega", "Ingrid Solberg", "Kwame Mensah", "Elena Petrova",
    "Rafael Costa", "Hannah Brooks", "Yusuf Demir", "Claire Beaumont", "Arjun Mehta", "Beatrix Lund", "Felix Arndt",
]  # fmt: skip

# Per section: topics (each one article), then the pools its sentences draw on.
# A topic: headline, dek, subject (noun phrase), actor (who acts), place, stakes, number fact, tags.
TOPICS: dict[str, dict[str, list]] = {
    "Politics": {
        "topics": [
            ("Statehouses Race to Redraw Maps Before the Courts Do", "Legislators in four states are rushing new district lines through before judges can rule on the old ones.",
             "redistricting", "state legislatures", "Ohio", "control of the House", "14 of the state's 15 congressional districts", ["elections", "redistricting"]),
            ("The Quiet Collapse of the Filibuster Compromise", "A bipartisan deal on Senate rules is unravelling, and neither side wants to be blamed.",
             "Senate rules reform", "the Senate", "Washington", "the next two years of legislation", "60 votes", ["congress", "senate"]),
            ("Mayors Take On the Housing Fight Congress Avoided", "Big-city mayors are rewriting zoning codes, and discovering how unpopular density can be.",
             "zoning reform", "city councils", "Minneapolis", "housing costs for millions of renters", "42,000 new permits", ["housing", "cities"]),
            ("Why Ballot Measures Are Becoming the New Battleground", "Activists on both sides are bypassing legislatures and taking their case directly to voters.",
             "ballot initiatives", "advocacy groups", "Michigan", "abortion, wages and voting rules", "11 statewide measures", ["elections", "direct democracy"]),
            ("A Primary Season Shaped by Small Donors", "Online fundraising has made long-shot candidates competitive, and party leaders nervous.",
             "campaign finance", "the national parties", "Iowa", "who gets nominated", "$38 million", ["campaigns", "money in politics"]),
            ("The Governor Who Said No to Both Parties", "An independent governor is testing whether a third way can survive a full term.",
             "independent politics", "the governor's office", "Alaska", "the future of ranked-choice voting", "a 7-point margin", ["governors", "independents"]),
        ],
        "roles": ["a state senator", "a political scientist at the University of Michigan", "a former White House adviser",
                  "a Republican campaign strategist", "a Democratic pollster", "a county election official"],
        "quotes": ["Nobody in this building wants to be the one who blinks first on {subject}.",
                   "Voters are far ahead of the politicians on {subject}, and the politicians know it.",
                   "The rules are written by whoever is in the room, and right now that is a very small room.",
                   "Every cycle we hear this is the year {subject} changes. This time the numbers say it might."],
    },
    "Finance": {
        "topics": [
            ("The Fed's Long Pause Is Testing Everyone's Patience", "Holding rates steady has kept inflation falling, but borrowers are running out of room.",
             "interest rates", "the Federal Reserve", "New York", "mortgages, car loans and credit cards", "5.25 percent", ["federal reserve", "rates"]),
            ("Regional Banks Have a Commercial Property Problem", "Empty offices are turning into bad loans, and the smallest lenders hold the most of them.",
             "commercial real estate loans", "regional banks", "Chicago", "credit for small businesses", "$929 billion in loans due", ["banks", "real estate"]),
            ("Private Credit Grows Up, and Regulators Take Notice", "Funds that lend outside the banking system now rival the banks in size.",
             "private credit", "asset managers", "London", "how risk moves through markets", "$1.7 trillion", ["private credit", "regulation"]),
            ("The Return of the Savings Account", "After a decade of near-zero rates, savers are finally getting paid, and changing how they spend.",
             "household savings", "online banks", "Ohio", "consumer spending", "4.5 percent annual yield", ["savings", "households"]),
            ("What the Strong Dollar Costs the Rest of the World", "A rising dollar makes imports cheap at home and debts expensive everywhere else.",
             "the dollar", "emerging-market treasuries", "Jakarta", "developing economies' debt", "a 9 percent rise", ["currencies", "emerging markets"]),
            ("Insurers Are Quietly Leaving Whole States", "Wildfire and flood losses are pushing insurers out, and homeowners are left with state plans.",
             "home insurance", "insurance companies", "California", "home values and mortgages", "1.4 million policies", ["insurance", "housing"]),
        ],
        "roles": ["a former Treasury economist", "the chief economist at a Boston asset manager", "a bank analyst at a ratings agency",
                  "a professor of finance at Columbia University", "a community bank president", "a consumer-credit researcher"],
        "quotes": ["Markets are priced for a soft landing in {subject}. Soft landings are rarer than people remember.",
                   "The risk is not the headline number. It is the second-round effects nobody is modelling.",
                   "Households feel changes in {subject} long before economists see it in the data.",
                   "When the cycle turns, it will turn fastest for the people with the least cushion."],
    },
    "Foreign Affairs": {
        "topics": [
            ("Europe's New Defense Budgets Meet an Old Problem", "Governments have found the money for rearmament. Finding the factories is harder.",
             "European rearmament", "NATO defense ministers", "Brussels", "the alliance's eastern flank", "2 percent of GDP", ["nato", "europe", "defense"]),
            ("In the South China Sea, a Reef Becomes a Flashpoint", "A rusting ship on a half-submerged reef has turned into a test of alliances.",
             "maritime disputes", "coast guards", "Manila", "freedom of navigation", "200 nautical miles", ["china", "philippines", "maritime"]),
            ("The Grain Corridor That Outlasted Its Treaty", "Ships keep leaving Black Sea ports despite the collapse of the deal meant to protect them.",
             "Black Sea shipping", "port authorities", "Odesa", "food prices from Cairo to Dhaka", "30 million tonnes", ["ukraine", "trade", "food security"]),
            ("Africa's Sahel Turns Away From Paris", "Military governments are ending old partnerships and courting new ones.",
             "security partnerships", "the juntas of the Sahel", "Niamey", "counterterrorism in West Africa", "1,500 French troops", ["africa", "france", "security"]),
            ("India Plays Every Side, and Wins", "New Delhi buys Russian oil, courts Washington and hosts everyone, all at once.",
             "strategic autonomy", "India's foreign ministry", "New Delhi", "the balance of power in Asia", "40 percent of crude imports", ["india", "diplomacy"]),
        ],
        "roles": ["a former ambassador to Moscow", "a senior fellow at a Washington think tank", "a NATO official who asked not to be named",
                  "a professor of international relations in Geneva", "a former naval intelligence officer", "a trade negotiator"],
        "quotes": ["Diplomacy on {subject} is slow until, suddenly, it is not.",
                   "Everyone says they want stability. What they mean is stability on their own terms.",
                   "The question is not whether there will be talks. It is who will be at the table when they start.",
                   "We are watching the end of an arrangement that lasted thirty years."],
    },
    "Environment": {
        "topics": [
            ("The Colorado River's Long Negotiation Reaches Its Deadline", "Seven states must agree on who gets less water. None of them wants to go first.",
             "water rights", "the seven basin states", "Arizona", "farms and cities across the West", "a 25 percent cut", ["water", "drought", "west"]),
            ("Farmers Who Stopped Plowing", "No-till farming is spreading across the Plains, and soil scientists are measuring what it saves.",
             "regenerative agriculture", "grain farmers", "Kansas", "soil carbon and yields", "3 million acres", ["farming", "soil"]),
            ("The Grid Is the Bottleneck for Clean Power", "Thousands of solar and wind projects are waiting for a connection that may take years.",
             "grid interconnection", "utility regulators", "Texas", "the pace of the energy transition", "2,600 gigawatts", ["energy", "grid"]),
            ("A Heat Wave Plan for Cities That Never Needed One", "Northern cities are learning to protect residents from temperatures they were not built for.",
             "urban heat", "public health departments", "Seattle", "the health of older residents", "108 degrees", ["climate", "cities", "heat"]),
            ("Salmon Return to a River Without Its Dams", "The largest dam removal in history is already changing the Klamath.",
             "dam removal", "tribal nations", "Oregon", "fisheries and water quality", "400 miles of river", ["rivers", "wildlife"]),
            ("The Copper Problem in the Energy Transition", "Electric cars and power lines need copper, and new mines face fierce local opposition.",
             "critical minerals", "mining companies", "Arizona", "the cost of electrification", "a 20 percent deficit", ["mining", "energy"]),
        ],
        "roles": ["a hydrologist at the University of Arizona", "a fourth-generation farmer", "a grid engineer",
                  "a public health official", "a tribal fisheries biologist", "an energy economist"],
        "quotes": ["We do not get to negotiate with the weather on {subject}. We negotiate with each other.",
                   "The science has been clear for years. The politics is what moved.",
                   "You can see the difference in a single season if you know where to look.",
                   "The cheapest ton of carbon is the one you never emit, and the second cheapest is in the soil."],
    },
    "Culture": {
        "topics": [
            ("The Novel Is Getting Shorter, and Better", "A new generation of writers has discovered the power of the slim book.",
             "the short novel", "independent publishers", "Brooklyn", "what readers finish", "under 200 pages", ["books", "fiction"]),
            ("Small Theaters Are Saving American Film", "As chains close screens, independent cinemas are finding audiences for the films studios forgot.",
             "independent cinemas", "theater owners", "Austin", "what gets shown, and where", "380 screens", ["film", "cinema"]),
            ("The Comeback of the Concert Hall", "Orchestras that feared for their future are selling out, with younger audiences than anyone expected.",
             "classical music", "symphony orchestras", "Cleveland", "the finances of the arts", "a 30 percent rise in ticket sales", ["music", "classical"]),
            ("What the Local Museum Owes Its Town", "Regional museums are rethinking who they serve and what they show.",
             "regional museums", "museum boards", "Milwaukee", "public arts funding", "1.2 million visitors", ["museums", "art"]),
            ("The Essay Is Having a Moment", "Readers tired of hot takes are turning to long, patient arguments.",
             "the personal essay", "literary magazines", "Iowa City", "how ideas travel", "a print run of 40,000", ["essays", "books", "ideas"]),
            ("Inside the Fight Over a Beloved Public Library", "A plan to modernize a Carnegie library has divided the town that loves it.",
             "public libraries", "the library board", "Vermont", "civic life in small towns", "$6 million", ["libraries", "towns"]),
        ],
        "roles": ["a novelist and editor", "the director of an independent cinema", "a conductor",
                  "a museum curator", "a literary critic", "a small-town librarian"],
        "quotes": ["People keep announcing the death of {subject}. The audience never got the memo.",
                   "Good work finds its readers. It just takes longer than a news cycle.",
                   "We stopped asking what people ought to like and started asking what they were missing.",
                   "Culture is the thing a town argues about when it is arguing about itself."],
    },
    "Technology": {
        "topics": [
            ("The Chip Factories Rising in the Desert", "New semiconductor plants promise thousands of jobs, if they can find the workers.",
             "chip manufacturing", "semiconductor makers", "Arizona", "the supply of advanced chips", "$40 billion", ["chips", "manufacturing"]),
            ("Your Car Is Now a Software Subscription", "Automakers want monthly fees for features already built into the car you bought.",
             "connected cars", "automakers", "Detroit", "what ownership means", "$20 a month", ["cars", "subscriptions"]),
            ("The Open-Source Maintainers Holding Up the Internet", "Critical code depends on a handful of unpaid volunteers, and some of them are burning out.",
             "open-source software", "software foundations", "Berlin", "the security of everyday software", "two maintainers", ["open source", "security"]),
            ("A Right to Repair Law With Teeth", "A new state law forces manufacturers to sell parts and manuals, and the industry is adapting.",
             "right to repair", "electronics makers", "Minnesota", "the life span of devices", "seven years of parts", ["repair", "consumer rights"]),
            ("Data Centers Are Straining Small-Town Power", "Tech companies are building where power is cheap, and residents are paying attention.",
             "data centers", "utilities", "Virginia", "electricity prices and water use", "a fifth of the county's power", ["data centers", "energy"]),
            ("The Quiet Return of the Dumb Phone", "A small but growing number of people are trading smartphones for simpler devices.",
             "digital minimalism", "phone makers", "Portland", "attention and childhood", "2.8 million units", ["phones", "attention"]),
        ],
        "roles": ["a semiconductor engineer", "a security researcher", "a software maintainer",
                  "a consumer-rights lawyer", "a county planning commissioner", "a professor of computer science at Stanford"],
        "quotes": ["The hard part of {subject} was never the technology. It was everything around it.",
                   "Nobody reads the license agreement, and that is exactly the business model.",
                   "We built the future on code that three people maintain in their spare time.",
                   "Every efficiency gain gets eaten by new demand. That is the pattern with {subject}."],
    },
}  # fmt: skip

# Shared sentence templates; {slots} come from the topic and the section's pools.
OPENINGS = [
    "In {place}, the argument over {subject} has stopped being abstract. For {actor}, it is now a question of {stakes}, and the deadline is close.",
    "For most of the past decade, the debate over {subject} belonged to specialists. That changed this year in {place}, where {actor} found themselves at the center of a national debate about {stakes}.",
    "The first sign that something had shifted came quietly, in a hearing room in {place}. By the end of the week, {actor} were talking about little else but {subject}.",
]
CONTEXT = [
    "The figures explain the urgency. Officials now speak of {figure}, a number that would have seemed implausible a few years ago and that shapes every conversation about {stakes}.",
    "The scale is easy to miss. At stake is {figure}, and behind that number are decisions that will outlast the people making them.",
    "Supporters point to {figure} as proof that the moment has arrived. Skeptics read the same figure as a warning.",
]
DOUBTS = [
    "Not everyone is convinced. {person2}, {role2}, argues that the current approach to {subject} moves the problem around rather than solving it, and that {actor} are underestimating the costs.",
    "Critics say the debate has been framed too narrowly. {person2}, {role2}, points out that the people most affected by {stakes} have rarely been asked what they want.",
    "There are risks in moving quickly. {person2}, {role2}, warns that promises about {subject} have been made before, and that the record of keeping them is uneven.",
]
HISTORY = [
    "History offers a partial guide. Earlier attempts to settle {subject} foundered on the same questions of cost and trust, and several of the people involved then are involved again now.",
    "None of this is new. Versions of the same argument about {subject} surfaced a generation ago, and the compromises reached then are the ones now coming apart.",
    "Those with long memories see a familiar pattern: a burst of attention, a round of promises, then a long stretch in which {actor} return to business as usual.",
]
DETAILS = [
    "In interviews over several weeks, officials, analysts and residents in {place} described a process that is slower and more improvised than its public presentation suggests.",
    "Much of the work happens out of view: in working groups, in draft documents passed between staff, and in phone calls that never appear on anyone's schedule.",
    "The details matter more than the slogans. How a rule is written, who enforces it and what happens when it is broken will decide whether anything changes.",
    "Local reporting and public records show how uneven the picture is. Some communities have moved early and decisively; others have barely started.",
]
OUTLOOKS = [
    "What happens next depends on choices that have not yet been made. {person1} expects a decision within months, but cautions that the hard part will come after it.",
    "For now, {actor} are promising more detail before the end of the year. Whether they deliver it will say a good deal about {stakes}.",
    "The next test comes soon. If {actor} hold together, the politics of {subject} may look very different a year from now; if not, the argument will start again.",
]
HEADINGS = ["What changed", "The numbers behind it", "Who pays", "The view from {place}", "What comes next"]
