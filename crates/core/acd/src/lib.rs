//! ACD: queues, skills, agent states, strategies, capacity, SLA clock
