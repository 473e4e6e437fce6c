"""Word pools for the demo data: names, templates and tags (no logic here)."""

from __future__ import annotations

FIRST_NAMES = (
    "Ada Alan Amara Ana Ben Carla Chen Dana Diego Elena Emeka Eva Farah Felix Grace Hana Hugo Ines "
    "Ivan Jada Jonas Kai Kemi Lara Leo Lina Luca Maya Mateo Mei Nadia Nils Noor Omar Priya Quinn "
    "Rafael Rosa Sam Sara Taro Tess Uma Victor Wen Yara Yusuf Zoe Aiden Bea"
).split()
LAST_NAMES = (
    "Abara Bauer Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Larsen Moreau "
    "Nakamura Okafor Patel Quispe Rossi Silva Tanaka Ueda Varga Wright Xu Yilmaz Zhang Novak "
    "Murphy Kim Lopez Schmidt Ahmed Singh Brown Cohen Dias Evans Ferreira Gomez Hoffman Ivanova "
    "Jansen Khan Lindqvist Meyer Nguyen Olsen Park Reyes Sato"
).split()
ROLES = ("AE", "SDR", "SE", "marketer", "partner manager")
ROLE_WEIGHTS = (0.40, 0.20, 0.15, 0.15, 0.10)
TEAMS = ("Enterprise", "Mid-Market", "Commercial", "Marketing", "Partnerships")
REGIONS = ("NA", "EMEA", "APAC", "LATAM")
REGION_WEIGHTS = (0.45, 0.30, 0.17, 0.08)
PROGRAMS = ("Ecosystem Selling", "Partner Co-Sell Bootcamp", "Marketplace Motions")
COHORT_NAMES = (
    "Pathfinders Aurora Beacon Compass Delta Ember Falcon Granite Harbor Ion Juniper Kestrel "
    "Lumen Meridian Nova Orbit Prism Quartz Ridge Summit Tidal Umbra Vertex Willow Zenith"
).split()
PARTNERS = ("Crossbeam", "Snowflake", "AWS Marketplace", "Deloitte", "Accenture", "HubSpot", "Okta")
SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
TOOLS = ("tool:crossbeam", "tool:reveal", "tool:partnerstack", "tool:ecosystem-map")
TUTORIALS = ("tutorial:mapping-accounts", "tutorial:co-sell-request", "tutorial:partner-intro")
RESOURCES = ("podcast:ecosystem-aces", "guide:co-selling-101", "podcast:partnership-leaders")
# objects.csv of the demo: (object_id, kind, name, days after the history starts it launched; None: always there)
OBJECTS = (
    ("tool:crossbeam", "tool", "Crossbeam account mapping", None),
    ("tool:reveal", "tool", "Reveal", 120),
    ("tool:partnerstack", "tool", "PartnerStack", 300),
    ("tool:ecosystem-map", "tool", "Ecosystem map", 420),
    ("tutorial:mapping-accounts", "tutorial", "Mapping accounts with partners", None),
    ("tutorial:co-sell-request", "tutorial", "Your first co-sell request", 60),
    ("tutorial:partner-intro", "tutorial", "Asking a partner for an intro", 200),
    ("podcast:ecosystem-aces", "resource", "Ecosystem Aces (podcast)", None),
    ("guide:co-selling-101", "resource", "Co-selling 101 (guide)", None),
    ("podcast:partnership-leaders", "resource", "Partnership Leaders (podcast)", None),
)
# What members write when they share a win, a frustration or feedback (demo message text).
VOICE = {
    "shared_win": (
        "Closed the Northwind renewal with the partner's intro :trophy:",
        "Partner-sourced pipeline this month beat my own outbound.",
        "Used the account overlap list to get a warm intro; meeting booked in two days.",
        "First co-sell deal! The partner's SE ran the technical demo.",
    ),
    "shared_frustration": (
        "Still can't tell which partner owns which account.",
        "The co-sell request form takes too long; I gave up halfway.",
        "Partner never answered my intro request.",
        "Comp plan still doesn't credit influenced deals.",
    ),
    "feedback_given": (
        "The overlap report is great but slow to load.",
        "Tutorial was clear; I wish it showed our own CRM fields.",
        "Would use this daily if it synced with Salesforce.",
        "Too many clicks to log a partner touch.",
    ),
}

BARRIER_NOTES = {
    "dont_know_partners": "I honestly don't know which partners cover my accounts.",
    "no_time": "Quota pressure leaves no time to learn a new motion this quarter.",
    "comp_not_aligned": "Partner-sourced deals don't count fully towards my number.",
    "fear_losing_control": "Worried a partner will take over the customer relationship.",
    "unclear_process": "Who do I even ask to register a co-sell opportunity?",
    "tool_friction": "Another tool to log into; it doesn't sync with the CRM yet.",
    "no_manager_support": "My manager asks about pipeline, never about partners.",
    "partner_quality": "Last partner intro went nowhere; hard to trust them again.",
    "other": "Mostly unsure where to start.",
}

SECTION_GOALS = {
    "seo": "Learn whether long-tail partner keyphrases bring qualified visits",
    "offers": "Learn whether a joint partner discount speeds up decisions",
    "campaigns": "Learn which message makes buyers ask about integrations",
    "analyst_relations": "Learn whether an analyst briefing changes inbound interest",
    "multivariate_tests": "Learn which headline and proof-point combination converts",
    "landing_pages": "Learn whether a partner-logo landing page lifts demo requests",
    "email": "Learn whether a co-branded email beats our own",
    "social_media": "Learn whether seller-shared partner wins reach new buyers",
    "partnerships": "Learn whether mapping accounts with a partner creates pipeline",
    "sales_plays": "Learn whether a co-sell play shortens the sales cycle",
    "enablement": "Learn whether a tutorial gets sellers using the partner tool",
}
SECTION_TAGS = {
    "seo": ("seo", "content", "keyphrases"),
    "offers": ("pricing", "promotion", "partner-offer"),
    "campaigns": ("messaging", "demand-gen", "integrations"),
    "analyst_relations": ("analysts", "influencers", "briefing"),
    "multivariate_tests": ("ab-test", "conversion", "headline"),
    "landing_pages": ("landing-page", "conversion", "partner-logos"),
    "email": ("email", "co-branding", "nurture"),
    "social_media": ("social", "linkedin", "advocacy"),
    "partnerships": ("co-sell", "account-mapping", "partners"),
    "sales_plays": ("sales-play", "cycle-time", "co-sell"),
    "enablement": ("tutorial", "tools", "adoption"),
}
PLAN_KINDS = ("pilot", "campaign", "test", "workshop", "program")

WHAT_HAPPENED = {
    "worked": "We ran it as planned; response beat the previous quarter and sellers asked for more.",
    "flopped": "Almost nobody engaged; the timing clashed with quarter end and the ask was unclear.",
    "mixed": "Strong start in one region, flat elsewhere; partner follow-up was uneven.",
    "inconclusive": "Too few responses to tell; the tracking links broke in week two.",
}
LESSONS_TEXT = {
    "worked": "Lead with the customer's problem, then the partner. Keep the ask to one step.",
    "flopped": "Never launch in the last two weeks of a quarter. Test the ask with five sellers first.",
    "mixed": "Regional champions matter more than the content. Pair every region with a partner lead.",
    "inconclusive": "Agree the success metric and check tracking before launch, not after.",
}
RECOMMENDATIONS = {
    "worked": "Repeat next quarter with two more partners; share the talk track in the cohort channel.",
    "flopped": "Re-run early in the quarter with a single clear call to action.",
    "mixed": "Name a champion per region before the next run.",
    "inconclusive": "Re-run with working tracking and a sample size agreed up front.",
}
ACTION_TEXT = (
    "Share the talk track in every cohort channel",
    "Fix the tracking links before the next send",
    "Brief regional managers on the partner play",
    "Add the partner offer to the pricing page",
    "Record a five-minute tutorial for the tool",
    "Set up a monthly co-sell pipeline review",
    "Ask the partner for two customer references",
)
