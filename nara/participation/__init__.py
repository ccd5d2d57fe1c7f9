"""Policy participation (정책 참여): processes with phases run by agencies, and what people post
in them (comments on drafts, proposals, poll responses, budget projects and ballots, "Have Your
Say" contributions), with one moderation queue and follow/digest notifications.

Each kind of participation is its own app under this package (consultations, proposals, polls,
budgets, contributions), standing on the models and rules here."""
