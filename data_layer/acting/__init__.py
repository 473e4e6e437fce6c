"""From measuring to acting: assessments taken in the product (rounds.py, answers.py), the partnership
team's outreach queue (outreach.py) and goals everyone can see (goals.py)."""
