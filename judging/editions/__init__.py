"""An edition's setup: editions, prizes, rounds, rubric criteria and questions, and the cockpit."""
