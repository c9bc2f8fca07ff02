//! Who may try, and for how long a session lasts.
//!
//! - An invitation locks after `failures_before_lock` failed attempts, for
//!   `first_lock`, doubling with each further lock up to `longest_lock`; a
//!   successful sign-in resets both. Each attempt is counted *before* the
//!   code is checked, so parallel guesses cannot outrun the lock.
//! - Each client address (an IPv6 /64 counts as one) may fail
//!   `address_failures` times within `address_window`, across invitations.
//! - A session ends after `idle` without a request, after
//!   `longest_session` in any case, and at once when its invitation expires
//!   or is revoked. Its cookie has no Max-Age, so it also ends when the
//!   browser closes.

use super::secret;
use super::store::{Audit, Event, Invitation, Session, Store};
use crate::error::Result;
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

#[derive(Debug, Clone)]
pub struct Limits {
    pub failures_before_lock: u32,
    pub first_lock: Duration,
    pub longest_lock: Duration,
    pub address_failures: usize,
    pub address_window: Duration,
    pub idle: Duration,
    pub longest_session: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            failures_before_lock: 5,
            first_lock: Duration::minutes(5),
            longest_lock: Duration::hours(24),
            address_failures: 20,
            address_window: Duration::minutes(15),
            idle: Duration::minutes(15),
            longest_session: Duration::hours(12),
        }
    }
}

impl Limits {
    /// How long the `n`-th lock in a row lasts (n from 1).
    pub fn lock_time(&self, n: u32) -> Duration {
        // 2^20 first locks is beyond any sensible longest lock already.
        let factor = 1i32 << n.saturating_sub(1).min(20);
        self.first_lock
            .checked_mul(factor)
            .unwrap_or(self.longest_lock)
            .min(self.longest_lock)
    }
}

/// Why an attempt did not get to the code check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    UnknownLink,
    Expired,
    Revoked,
}

impl Closed {
    pub fn detail(self) -> &'static str {
        match self {
            Closed::UnknownLink => "unknown link",
            Closed::Expired => "invitation expired",
            Closed::Revoked => "invitation revoked",
        }
    }
}

/// The state of an invitation when an attempt arrives.
#[derive(Debug)]
pub enum Gate {
    Closed(Closed, Option<Invitation>),
    Locked(Invitation, DateTime<Utc>),
    /// The attempt is counted; `locks` is set when it is the one that
    /// reached the limit (the invitation is locked from now on, whatever
    /// the outcome, unless it succeeds).
    Try {
        invitation: Invitation,
        locks: Option<DateTime<Utc>>,
    },
}

/// Looks the invitation up and counts the attempt.
pub fn begin_attempt(
    store: &Store,
    link: &str,
    now: DateTime<Utc>,
    limits: &Limits,
) -> Result<Gate> {
    let Some(inv) = store.invitation_by_link(link)? else {
        return Ok(Gate::Closed(Closed::UnknownLink, None));
    };
    if inv.revoked_at.is_some() {
        return Ok(Gate::Closed(Closed::Revoked, Some(inv)));
    }
    if now >= inv.expires_at {
        return Ok(Gate::Closed(Closed::Expired, Some(inv)));
    }
    if let Some(until) = inv.locked_until.filter(|u| *u > now) {
        return Ok(Gate::Locked(inv, until));
    }
    let (failures, lockouts) = store.add_failure(inv.id)?;
    let mut locks = None;
    if failures >= limits.failures_before_lock {
        let until = now + limits.lock_time(lockouts + 1);
        store.lock(inv.id, until)?;
        locks = Some(until);
    }
    Ok(Gate::Try {
        invitation: inv,
        locks,
    })
}

/// A new session after a successful sign-in: (cookie token, CSRF token).
/// Sessions that ended meanwhile are swept, so none pile up.
pub fn start_session(
    store: &Store,
    inv: &Invitation,
    client: &str,
    now: DateTime<Utc>,
    limits: &Limits,
) -> Result<(String, String)> {
    store.sweep_sessions(now - limits.idle, now - limits.longest_session)?;
    store.clear_failures(inv.id)?;
    let token = secret::token()?;
    let csrf = secret::token()?;
    store.create_session(
        &secret::token_hash(&token),
        inv.id,
        &inv.patient_id,
        &csrf,
        now,
    )?;
    store.audit(
        Audit {
            patient_id: Some(&inv.patient_id),
            invitation_id: Some(inv.id),
            client: Some(client),
            ..Audit::new(Event::Login)
        },
        now,
    )?;
    Ok((token, csrf))
}

/// The live session for a cookie token, refreshed; an ended one is
/// deleted (and audited) and gives `None`.
pub fn session(
    store: &Store,
    token: &str,
    client: &str,
    now: DateTime<Utc>,
    limits: &Limits,
) -> Result<Option<Session>> {
    let hash = secret::token_hash(token);
    let Some(s) = store.session(&hash)? else {
        return Ok(None);
    };
    let ended = if s.invitation_revoked {
        Some("invitation revoked")
    } else if now >= s.invitation_expires_at {
        Some("invitation expired")
    } else if now - s.last_seen > limits.idle {
        Some("idle")
    } else if now - s.created_at > limits.longest_session {
        Some("too long")
    } else {
        None
    };
    if let Some(reason) = ended {
        store.delete_session(&hash)?;
        store.audit(
            Audit {
                patient_id: Some(&s.patient_id),
                invitation_id: Some(s.invitation_id),
                client: Some(client),
                detail: Some(reason),
                ..Audit::new(Event::SessionEnded)
            },
            now,
        )?;
        return Ok(None);
    }
    store.touch_session(&hash, now)?;
    Ok(Some(s))
}

/// Failed attempts per client address in a sliding window. Kept in
/// memory: a restart forgets it, the per-invitation lock does not.
#[derive(Debug, Default)]
pub struct AddressLimiter {
    failures: HashMap<String, VecDeque<DateTime<Utc>>>,
}

/// The key an address is counted under: IPv6 clients usually hold a whole
/// /64, so it counts as one address.
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

impl AddressLimiter {
    fn prune(&mut self, key: &str, now: DateTime<Utc>, limits: &Limits) -> usize {
        let Some(q) = self.failures.get_mut(key) else {
            return 0;
        };
        while q.front().is_some_and(|t| now - *t >= limits.address_window) {
            q.pop_front();
        }
        q.len()
    }

    pub fn blocked(&mut self, key: &str, now: DateTime<Utc>, limits: &Limits) -> bool {
        self.prune(key, now, limits) >= limits.address_failures
    }

    /// Counts a failure; true when it is the one that reaches the limit.
    pub fn fail(&mut self, key: &str, now: DateTime<Utc>, limits: &Limits) -> bool {
        if self.failures.len() > 10_000 {
            // Forget addresses whose failures have all aged out.
            self.failures
                .retain(|_, q| q.back().is_some_and(|t| now - *t < limits.address_window));
        }
        let n = self.prune(key, now, limits);
        self.failures
            .entry(key.to_string())
            .or_default()
            .push_back(now);
        n + 1 == limits.address_failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn locks_grow_and_stop_at_the_longest() {
        let l = Limits::default();
        assert_eq!(l.lock_time(1), Duration::minutes(5));
        assert_eq!(l.lock_time(2), Duration::minutes(10));
        assert_eq!(l.lock_time(4), Duration::minutes(40));
        assert_eq!(l.lock_time(12), Duration::hours(24));
        assert_eq!(l.lock_time(32), Duration::hours(24));
        assert_eq!(l.lock_time(u32::MAX), Duration::hours(24));
    }

    #[test]
    fn address_limit_slides() {
        let l = Limits {
            address_failures: 3,
            ..Limits::default()
        };
        let t0 = Utc.with_ymd_and_hms(2026, 10, 5, 12, 0, 0).unwrap();
        let mut a = AddressLimiter::default();
        assert!(!a.fail("1.2.3.4", t0, &l));
        assert!(!a.fail("1.2.3.4", t0, &l));
        assert!(!a.blocked("1.2.3.4", t0, &l));
        assert!(a.fail("1.2.3.4", t0, &l));
        assert!(a.blocked("1.2.3.4", t0, &l));
        assert!(!a.blocked("5.6.7.8", t0, &l));
        assert!(!a.blocked("1.2.3.4", t0 + Duration::minutes(15), &l));
    }

    #[test]
    fn ipv6_counts_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_eq!(address_key("::ffff:10.0.0.1".parse().unwrap()), "10.0.0.1");
    }
}
