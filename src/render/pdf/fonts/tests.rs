use super::*;

#[test]
fn win_ansi_check() {
    assert!("Zoë Muñoz — O'Brien & Sons €".chars().all(is_win_ansi));
    assert!(!"Nguyễn".chars().all(is_win_ansi));
    assert!(!"Dvořák".chars().all(is_win_ansi));
    assert!(!"Łukasz".chars().all(is_win_ansi));
}
