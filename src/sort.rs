//! Stable in-place sorting of the short lists a decision sorts (at most a few dozen entries: the channel
//! ranking, the session's categories). An insertion sort: the standard library's stable sort is faster on
//! long lists but costs about 4 KB of wasm for each element type it is used with.

/// Sorts `items` by `less` (a strict "comes before"), keeping equal items in their order.
pub fn stable_sort_by<T>(items: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && less(&items[j], &items[j - 1]) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    #[test]
    fn sorts_like_the_standard_stable_sort() {
        let mut state = 0x9e37_79b9_u32;
        for len in 0..40 {
            let mut items: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    ((state % 5) as u8, i)
                })
                .collect();
            let mut expected = items.clone();
            expected.sort_by_key(|(k, _)| *k);
            stable_sort_by(&mut items, |a, b| a.0 < b.0);
            assert_eq!(items, expected);
        }
    }
}
