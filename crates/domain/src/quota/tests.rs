use super::*;
use flagstaff_storage::clock::ManualClock;

#[test]
fn a_key_gets_its_budget_per_window_and_others_are_untouched() {
    let hand = ManualClock::new();
    let quota = Quota::new(3, Duration::from_secs(60)).with_clock(&hand.clock());
    for _ in 0..3 {
        assert_eq!(quota.take(&"a"), Ok(()));
    }
    assert!(quota.take(&"a").is_err());
    assert!(quota.refused(&"a").is_some());
    assert_eq!(quota.refused(&"b"), None);
    assert_eq!(quota.take(&"b"), Ok(()));
    assert_eq!(quota.refused(&"a"), Some(60));
    hand.advance(Duration::from_secs(59));
    assert!(quota.refused(&"a").is_some(), "a minute is a minute");
    hand.advance(Duration::from_secs(1));
    assert_eq!(quota.refused(&"a"), None);
    assert_eq!(quota.take(&"a"), Ok(()));
}

#[test]
fn memory_stays_bounded() {
    let quota = Quota::new(1, Duration::from_secs(60));
    for key in 0..(3 * MAX_KEYS) {
        let _ = quota.take(&key);
    }
    let table = quota.table.lock().unwrap_or_else(PoisonError::into_inner);
    assert!(table.len() <= MAX_KEYS, "{}", table.len());
}

#[test]
fn a_streak_is_refused_for_a_doubling_delay_and_cleared_by_a_success() {
    let backoff = Backoff::new(3, Duration::from_secs(60), Duration::from_secs(60));
    for _ in 0..2 {
        assert_eq!(backoff.fail(&"a"), Ok(()));
        assert_eq!(backoff.refused(&"a"), None);
    }
    assert_eq!(backoff.fail(&"a"), Ok(()));
    assert_eq!(backoff.refused(&"a"), Some(1));
    assert_eq!(
        backoff.fail(&"a"),
        Err(1),
        "refused attempts are not counted"
    );
    assert!(backoff.failed_lately(&"a"));
    assert!(!backoff.failed_lately(&"b"));
    assert_eq!(backoff.refused(&"b"), None);
    backoff.clear(&"a");
    assert_eq!(backoff.refused(&"a"), None);
    assert!(!backoff.failed_lately(&"a"));
}

#[test]
fn a_refusal_ends_when_its_delay_has_passed_and_the_next_one_is_doubled() {
    let hand = ManualClock::new();
    let backoff = Backoff::new(1, Duration::from_secs(60), Duration::from_secs(600))
        .with_clock(&hand.clock());
    assert_eq!(backoff.fail(&"a"), Ok(()));
    assert_eq!(backoff.refused(&"a"), Some(1));
    hand.advance(Duration::from_secs(1));
    assert_eq!(backoff.refused(&"a"), None);
    assert_eq!(backoff.fail(&"a"), Ok(()));
    assert_eq!(backoff.refused(&"a"), Some(2));
    hand.advance(Duration::from_secs(600));
    assert_eq!(backoff.refused(&"a"), None);
    assert!(!backoff.failed_lately(&"a"), "forgotten after `forget`");
    assert_eq!(backoff.fail(&"a"), Ok(()));
    assert_eq!(backoff.refused(&"a"), Some(1), "a new streak starts over");
}

#[test]
fn a_refused_streak_outlives_a_flood_of_new_keys() {
    let backoff = Backoff::new(2, Duration::from_secs(60), Duration::from_secs(60));
    assert_eq!(backoff.fail(&usize::MAX), Ok(()));
    assert_eq!(backoff.fail(&usize::MAX), Ok(()));
    for key in 0..(2 * MAX_KEYS) {
        let _ = backoff.fail(&key);
    }
    let table = backoff.table.lock().unwrap_or_else(PoisonError::into_inner);
    assert!(table.len() <= MAX_KEYS, "{}", table.len());
    drop(table);
    assert!(backoff.refused(&usize::MAX).is_some());
}

#[test]
fn sign_ins_are_counted_before_the_password_is_checked() {
    let quotas = Quotas::per_minute(600, 10);
    let a = IpAddr::from([10, 0, 0, 1]);
    let b = IpAddr::from([10, 0, 0, 2]);
    // Parallel attempts of one pair: only the free ones are let through.
    let attempts: Vec<_> = (0..50)
        .filter_map(|_| quotas.sign_ins.begin(&quotas.failed_auth, a, "admin").ok())
        .collect();
    assert_eq!(attempts.len(), SIGN_IN_FREE_PER_ADDRESS as usize);
    // Another address that never failed on this login still gets its try,
    // and a right password clears its streak.
    let attempt = quotas.sign_ins.begin(&quotas.failed_auth, b, "admin");
    let Ok(attempt) = attempt else {
        panic!("refused")
    };
    attempt.succeeded(&quotas);
    assert!(quotas
        .sign_ins
        .refused(&quotas.failed_auth, a, "admin")
        .is_some());
    assert!(quotas
        .sign_ins
        .refused(&quotas.failed_auth, a, "other")
        .is_none());
}

#[test]
fn an_address_over_its_budget_keeps_its_first_try_of_a_login() {
    let quotas = Quotas::per_minute(3, 10);
    let a = IpAddr::from([10, 0, 0, 1]);
    for _ in 0..3 {
        let _ = quotas.failed_auth.take(&a);
    }
    assert!(quotas.failed_auth.refused(&a).is_some());
    assert!(quotas
        .sign_ins
        .begin(&quotas.failed_auth, a, "admin")
        .is_ok());
    // It failed: now the address's budget applies to it.
    assert!(quotas
        .sign_ins
        .begin(&quotas.failed_auth, a, "admin")
        .is_err());
}
