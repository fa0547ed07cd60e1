"""Marketing: campaigns, audiences, consent, unsubscribe, recommendations in mail."""
