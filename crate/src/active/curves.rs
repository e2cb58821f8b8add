//! Learning curves: every strategy over several seeds, mean and spread by labels used and by cuts.
