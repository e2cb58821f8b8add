//! Query synthesis: the learner asks about points of the plane that are not in the pool.
