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
    // Byte `i` of the replicated, rotated string: copy `i / in_len` is rotated right by
    // 13 * copy bits, so its byte at bit `base` starts at bit (base - rotation) of the input;
    // the 8 bits from there span at most two input bytes (wrapping around the end).
    let replicated = |i: usize| -> u8 {
        let rotation = (13 * (i / in_len)) % in_bits;
        let start = ((i % in_len) * 8 + in_bits - rotation) % in_bits;
        let (at, shift) = (start / 8, start % 8);
        let high = input[at];
        if shift == 0 {
            return high;
        }
        let low = input[(at + 1) % in_len];
        (high << shift) | (low >> (8 - shift))
    };
    // Sum the lcm/out_len chunks, most significant byte first, with end-around carry.
    let mut sum = vec![0u32; out_len];
    for chunk in 0..lcm / out_len {
        for (j, s) in sum.iter_mut().enumerate() {
            *s += u32::from(replicated(chunk * out_len + j));
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
