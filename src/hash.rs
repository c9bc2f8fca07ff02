//! Hash maps and sets for the batch's ids. A million sessions make tens of
//! millions of lookups by session, patient and payment id; std's SipHash
//! spent about a tenth of the read-and-validate phase hashing them.
//! foldhash is hashbrown's own default: several times faster on short
//! keys, still seeded per process (an export crafted to collide cannot
//! slow a run down predictably). Nothing may depend on iteration order,
//! as with std's maps.

pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
