//! Flagstaff's evaluation engine: decides, for one flag and one context, whether
//! the flag is on and which variant applies — exactly as Unleash's SDKs do.
//!
//! A guided tour:
//! - [`document`]: the client-features document and delta events (wire types).
//! - [`context`]: the evaluation context.
//! - [`Engine`] (`engine.rs`): compiles a document once and answers questions.
//!   Strategies (`strategy.rs`), constraints (`constraint.rs`) and variants
//!   (`variant.rs`) each compile into enums with their values pre-parsed.
//! - [`hash`]: Unleash's MurmurHash3 bucket function.
//! - [`Explanation`] (`explain.rs`): the "why" of one evaluation.
//!
//! The crate does no I/O, reads no clock and no entropy (the caller supplies
//! `currentTime` and a random seed), and never panics while evaluating.

mod compile;
mod constraint;
pub mod context;
pub mod document;
mod engine;
mod explain;
pub mod hash;
mod index;
mod operator;
mod random;
mod strategy;
mod table;
mod values;
mod variant;

pub use constraint::{constraint_problem, ValueTest};
pub use context::Context;
pub use document::ClientFeatures;
pub use engine::{Engine, EngineOptions, Evaluation};
pub use explain::{
    ConstraintExplanation, DependencyExplanation, Explanation, StrategyExplanation,
    VariantExplanation,
};
pub use operator::{Arity, Operator, ValueKind, OPERATORS};
pub use variant::VariantResult;
