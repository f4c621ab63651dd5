"""mentorbot: an alumni mentorship programme run inside chat apps."""
