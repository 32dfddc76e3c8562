//! The bench workload must be valid rules: a rule that fails to parse would measure the error
//! path and inflate the figure.

#[test]
fn every_typical_rule_parses() {
    for rule in mogr_benches::TYPICAL_RULES {
        assert!(mogr_syntax::parse(rule).is_ok(), "{rule}: {:?}", mogr_syntax::parse(rule));
    }
}
