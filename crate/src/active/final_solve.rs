//! The final convex solve ("AFS") on the cut points: group-lasso fit of the two-layer ReLU network
//! under the sign constraints, by an augmented Lagrangian over FISTA.
