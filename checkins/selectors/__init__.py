"""Reads too complex for a view, each in a fixed number of queries, one module a topic.

- `checkin`: one check-in (mine today, one the viewer may open).
- `dashboard`: the dashboard's state and today's card, in one round trip.
- `history`: the month calendar and the weather and energy trends.
- `review`: the weekly review page (answers, agenda, the focus's days).
- `trends`: the intimacy gap over the weeks, and the past reviews.
- `prompt_pace`: the couple's shared day and how deep today's prompt may go.
- `coach`: what a coach may see of a couple.
"""
