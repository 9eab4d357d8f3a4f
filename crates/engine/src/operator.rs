//! The constraint operators the engine evaluates, as a table: each one's
//! Unleash name, how many values it compares with (`value` or `values`) and
//! what it reads them as. The server asks it which field of a constraint a
//! refusal is about, and the UI's constraints editor which input to draw;
//! `constraint.rs` compiles and checks constraints by the same names.

/// How many values an operator compares a context field with, and so which
/// field of a constraint holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// One value, in `value`.
    Single,
    /// A list, in `values`.
    List,
}

/// What an operator reads its values as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    /// A number (`NUM_*`).
    Number,
    /// An RFC 3339 date-time (`DATE_*`).
    Date,
    /// A semantic version without a leading `v` (`SEMVER_*`).
    Semver,
    /// A regular expression (`REGEX`).
    Pattern,
    /// An IP address or CIDR range (`IN_CIDR`).
    Network,
}

/// One operator, as Unleash names it, with what it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub name: &'static str,
    pub arity: Arity,
    pub kind: ValueKind,
}

impl Operator {
    const fn new(name: &'static str, arity: Arity, kind: ValueKind) -> Operator {
        Operator { name, arity, kind }
    }

    /// The operator named `name`, if the engine has it.
    pub fn named(name: &str) -> Option<&'static Operator> {
        OPERATORS.iter().find(|op| op.name == name)
    }

    /// The constraint field an operator of this arity reads: `value` or `values`.
    pub fn value_field(&self) -> &'static str {
        match self.arity {
            Arity::Single => "value",
            Arity::List => "values",
        }
    }
}

/// Every constraint operator the engine evaluates, as Unleash names them.
pub const OPERATORS: &[Operator] = {
    use Arity::{List, Single};
    use ValueKind::*;
    &[
        Operator::new("IN", List, Text),
        Operator::new("NOT_IN", List, Text),
        Operator::new("STR_CONTAINS", List, Text),
        Operator::new("STR_STARTS_WITH", List, Text),
        Operator::new("STR_ENDS_WITH", List, Text),
        Operator::new("NUM_EQ", Single, Number),
        Operator::new("NUM_GT", Single, Number),
        Operator::new("NUM_GTE", Single, Number),
        Operator::new("NUM_LT", Single, Number),
        Operator::new("NUM_LTE", Single, Number),
        Operator::new("DATE_AFTER", Single, Date),
        Operator::new("DATE_BEFORE", Single, Date),
        Operator::new("SEMVER_EQ", Single, Semver),
        Operator::new("SEMVER_GT", Single, Semver),
        Operator::new("SEMVER_GTE", Single, Semver),
        Operator::new("SEMVER_LT", Single, Semver),
        Operator::new("SEMVER_LTE", Single, Semver),
        Operator::new("REGEX", Single, Pattern),
        Operator::new("IN_CIDR", List, Network),
    ]
};
