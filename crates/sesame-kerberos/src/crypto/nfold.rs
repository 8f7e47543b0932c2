//! n-fold (RFC 3961 5.1): stretch or shrink a constant to a block of `out_len` bytes.

/// Folds `input` into `out_len` bytes: the input is repeated, each copy rotated right by 13
/// more bits, up to lcm(input bits, output bits), and the `out_len`-byte pieces are added with
/// end-around carry (ones' complement addition).
pub fn nfold(input: &[u8], out_len: usize) -> Vec<u8> {
    let in_len = input.len();
    if in_len == 0 || out_len == 0 {
        return vec![0; out_len];
    }
    let lcm = out_len / gcd(in_len, out_len) * in_len;
    let in_bits = in_len * 8;
    // Copy `k` of the input is rotated right by 13k bits: its first byte starts at bit
    // (-13k mod in_bits) of the input, and each next byte 8 bits further (wrapping), so a copy
    // costs one division, not one per byte. Its bytes are added into the `out_len`-byte sum,
    // most significant byte first, the sum's position wrapping at `out_len`.
    let mut sum = vec![0u32; out_len];
    let mut pos = 0;
    for copy in 0..lcm / in_len {
        let start = (in_bits - (13 * copy) % in_bits) % in_bits;
        let (mut at, shift) = (start / 8, start % 8);
        for _ in 0..in_len {
            let next = if at + 1 == in_len { 0 } else { at + 1 };
            let byte = if shift == 0 {
                input[at]
            } else {
                (input[at] << shift) | (input[next] >> (8 - shift))
            };
            sum[pos] += u32::from(byte);
            pos = if pos + 1 == out_len { 0 } else { pos + 1 };
            at = next;
        }
    }
    loop {
        let mut carry = 0u32;
        for s in sum.iter_mut().rev() {
            let v = *s + carry;
            *s = v & 0xff;
            carry = v >> 8;
        }
        if carry == 0 {
            break;
        }
        // The carry out of the top wraps around into the bottom byte.
        if let Some(last) = sum.last_mut() {
            *last += carry;
        }
    }
    sum.into_iter()
        .map(|s| u8::try_from(s).unwrap_or(0))
        .collect()
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}
