"""A partner's own data: the registry of it, the export and the account deletion.

It sits with the wiring, above every app, because it gathers from all of them. The registry
(here, in one place) names every model that holds data about a person and says what the export
does with it; a test fails when a model with a link to a user or a couple is missing from it.

- `export`: data_export(), everything about a person as one JSON document.
- `export_page`: the same export as a page to read and keep (the HTML file).
- `deletion`: account_delete(), the person and every row about them.
- `views`: the privacy page, the two downloads and the deletion page.
"""

# Every model that holds data about a person: where it lands in the export (a path of keys;
# "couples.x" is in each couple), and what goes there.
REGISTRY: dict[str, tuple[str, str]] = {
    "accounts.User": ("you.display_name", "your profile"),
    "account.EmailAddress": ("you.email_addresses", "your email addresses"),
    "mfa.Authenticator": ("you.two_factor", "two-factor methods and when (never the secrets)"),
    "accounts.Couple": ("couples", "each couple you were in"),
    "accounts.Membership": ("couples.your_membership", "when you joined and left"),
    "accounts.Invite": ("couples.invites_you_sent", "invites you sent (not their links)"),
    "accounts.CoachLink": ("couples.coach_links", "coaches linked and what they could see"),
    "accounts.CoachAccess": ("couples.coach_accesses", "every time a coach looked"),
    "checkins.CheckIn": ("checkins", "yours, with your private notes (never your partner's)"),
    "checkins.Reaction": ("reactions_you_gave", "reactions you gave (and on yours, received)"),
    "checkins.Rhythm": ("couples.rhythm", "the weekly review rhythm"),
    "checkins.RhythmMove": ("couples.moved_weeks", "weeks moved"),
    "checkins.Review": ("couples.reviews", "each weekly review"),
    "checkins.ReviewAnswer": ("couples.reviews", "yours; your partner's once revealed to you"),
    "checkins.ParkedTopic": ("couples.parked_topics", "topics parked (shared by both)"),
    "checkins.CalendarFeed": ("you.calendar_address_made", "whether one exists (not the address)"),
    "prompts.Prompt": ("coaching.prompts_you_wrote", "prompts you wrote (kept, unnamed, after)"),
    "prompts.PromptSet": ("coaching.sets_you_made", "sets you made (kept, unnamed, after)"),
    "prompts.PromptSetItem": ("coaching.sets_you_made", "the prompts in your sets"),
    "prompts.FollowedSet": ("couples.followed_sets", "sets the couple followed"),
    "prompts.PromptLog": ("couples.prompts", "prompts done, skipped or saved"),
    "prompts.DailyPrompt": ("couples.daily_prompts", "the prompt of each day"),
    "prompts.SetOffer": ("couples.set_offers", "sets a coach offered"),
    "nudges.NudgeSettings": ("nudges.settings", "your nudge settings"),
    "nudges.NudgeRule": ("nudges.habits", "your habits and times"),
    "nudges.Nudge": ("nudges.sent", "every nudge sent or held back"),
}
# Held by frameworks about a login, not written by the person; never exported, gone on deletion.
NOT_EXPORTED: dict[str, str] = {
    "admin.LogEntry": "staff actions in the admin (about staff, not partners)",
    "sessions.Session": "login sessions: they end on deletion",
    "account.EmailConfirmation": "one-time confirmation keys",
}
