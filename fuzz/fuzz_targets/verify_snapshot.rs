//! Any bytes given to snapshot verification and inspection: never a panic, never an accepted forgery.
#![no_main]

use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;
use persona_edge::profile::verify_profile;
use persona_edge::ruleset::verify_ruleset;
use persona_edge::snapshot::{inspect, Keyring, VerifyOptions};

fuzz_target!(|data: &[u8]| {
    // The trusted key is fixed; the fuzzer does not know its secret, so nothing it makes may verify
    // unless it reproduces a snapshot from the seed corpus byte for byte.
    let key = SigningKey::from_bytes(&[42u8; 32]);
    let ring = Keyring::from_keys([key.verifying_key()]);
    let _ = inspect(data);
    let profile_opts = VerifyOptions::profile(1_800_000_000, "fuzz-shop");
    if let Ok(verified) = verify_profile(data, &ring, &profile_opts) {
        assert_eq!(verified.header.subject, verified.document.subject);
    }
    let ruleset_opts = VerifyOptions::ruleset(1_800_000_000, "fuzz-shop");
    let _ = verify_ruleset(data, &ring, &ruleset_opts);
});
