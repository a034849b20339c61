//! The impact estimators on simulated panels: exact recovery and invariances
//! ([`estimator`]), bias, coverage and placebo size by Monte Carlo ([`monte_carlo`]).

mod estimator;
mod monte_carlo;
