"""Customer service: conversations, intents, automatic replies, hand-over to the owner."""
