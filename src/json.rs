//! JSON for the few shapes the core reads and writes: EKS Auth's answers, the JavaScript
//! boundary's arguments, token claims, and the objects handed back.
//!
//! Why not serde_json: it and its derives were the largest part of the wasm (~45 KB before
//! optimisation, with float parsing and printing tables), and a `Value` tree of owned strings cost
//! a 200 response most of its parse time. This reader borrows strings from the input unless they
//! hold escapes, keeps numbers as their text until asked, and accepts exactly RFC 8259 (what
//! `JSON.parse` and botocore accept: no trailing commas, no leading zeros, no raw control
//! characters, matched surrogate escapes). Duplicate members: the last wins, as in `JSON.parse`.
//! The writer escapes as `JSON.stringify` does. The small helpers the reader calls in its loops are
//! `#[inline(always)]`: the wasm build inlines little otherwise (`.cargo/config.toml`).

use std::borrow::Cow;

/// Nesting deeper than this is refused rather than recursed into (a stack overflow would kill
/// the wasm instance); serde_json's default limit.
const MAX_DEPTH: u32 = 128;

/// A parsed JSON value borrowing from its text.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as its (validated) text.
    Number(&'a str),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object's members in text order.
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl<'a> Value<'a> {
    /// The member `key` of an object (the last of duplicates); `None` for other values.
    #[inline(always)]
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Like [`Value::get`], with `null` read as absent (botocore's and our arguments' rule).
    #[inline(always)]
    pub fn present(&self, key: &str) -> Option<&Value<'a>> {
        self.get(key).filter(|v| !matches!(v, Value::Null))
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number's value, when this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(text) => parse_number(text),
            _ => None,
        }
    }

    /// The boolean, when this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, when this is an array.
    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// `null`, `boolean`, `number`, `string`, `array` or `object`: for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
}

/// Why a text is not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset where reading stopped.
    pub offset: usize,
    /// The text ended before the value did.
    pub eof: bool,
    /// What was wrong there.
    pub reason: &'static str,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.offset)
    }
}

/// Parses one JSON value, with only whitespace around it.
///
/// # Errors
/// [`ParseError`] at the first byte that breaks the grammar.
pub fn parse(text: &str) -> Result<Value<'_>, ParseError> {
    let mut p = Parser { text, bytes: text.as_bytes(), at: 0 };
    let value = p.value(0)?;
    p.skip_space();
    if p.at < p.bytes.len() {
        return Err(p.error("trailing characters after the value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Parser<'a> {
    fn error(&self, reason: &'static str) -> ParseError {
        ParseError { offset: self.at, eof: self.at >= self.bytes.len(), reason }
    }

    /// The text from `start` to here. `get`, not indexing: both ends are at ASCII bytes, which
    /// LLVM cannot see, and a slice that could panic links the panic's formatting (~4 KB).
    #[inline(always)]
    fn slice(&self, start: usize) -> &'a str {
        self.text.get(start..self.at).unwrap_or_default()
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    #[inline(always)]
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>, ParseError> {
        let end = self.at + word.len();
        match self.bytes.get(self.at..end) {
            Some(b) if b == word.as_bytes() => {
                self.at = end;
                Ok(value)
            }
            _ if self.bytes.len() < end && word.as_bytes().starts_with(&self.bytes[self.at..]) => {
                self.at = self.bytes.len();
                Err(self.error("unexpected end"))
            }
            _ => Err(self.error("expected a value")),
        }
    }

    fn value(&mut self, depth: u32) -> Result<Value<'a>, ParseError> {
        self.skip_space();
        match self.peek() {
            None => Err(self.error("expected a value")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn enter(&self, depth: u32) -> Result<(), ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        Ok(())
    }

    fn object(&mut self, depth: u32) -> Result<Value<'a>, ParseError> {
        self.enter(depth)?;
        self.at += 1;
        let mut members = Vec::with_capacity(8);
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_space();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a member name"));
            }
            let key = self.string()?;
            self.skip_space();
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:`"));
            }
            self.at += 1;
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Value::Object(members));
                }
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self, depth: u32) -> Result<Value<'a>, ParseError> {
        self.enter(depth)?;
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Value<'a>, ParseError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let int_start = self.at;
        match self.digits() {
            0 => return Err(self.error("expected a digit")),
            n if n > 1 && self.bytes[int_start] == b'0' => {
                self.at = int_start + 1;
                return Err(self.error("leading zero in a number"));
            }
            _ => {}
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.error("expected a digit after `.`"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("expected a digit in the exponent"));
            }
        }
        Ok(Value::Number(self.slice(start)))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut n = 0;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(b @ b'0'..=b'9') => b - b'0',
                Some(b @ b'a'..=b'f') => b - b'a' + 10,
                Some(b @ b'A'..=b'F') => b - b'A' + 10,
                _ => return Err(self.error("expected 4 hex digits after \\u")),
            };
            n = n * 16 + u32::from(d);
            self.at += 1;
        }
        Ok(n)
    }

    /// A string at `"`: borrowed when it has no escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        self.at += 1;
        let start = self.at;
        let mut owned: Option<String> = None;
        let mut run = start;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            match b {
                b'"' => {
                    let tail = self.slice(run);
                    self.at += 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(tail),
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                    });
                }
                b'\\' => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(self.slice(run));
                    self.at += 1;
                    let escaped = self.peek().ok_or_else(|| self.error("unterminated string"))?;
                    self.at += 1;
                    let c = match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                                    return Err(self.error("lone surrogate in a \\u escape"));
                                }
                                self.at += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.error("lone surrogate in a \\u escape"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(code).ok_or_else(|| self.error("lone surrogate in a \\u escape"))?
                        }
                        _ => {
                            self.at -= 1;
                            return Err(self.error("invalid escape"));
                        }
                    };
                    s.push(c);
                    run = self.at;
                }
                0..=0x1f => return Err(self.error("control character in a string")),
                _ => self.at = plain_run_end(self.bytes, self.at + 1, false),
            }
        }
    }
}

/// The end of the run of bytes from `at` that need no attention inside a string (not `"`, `\\`
/// or a control character; with `ascii`, not DEL or non-ASCII either), eight at a time: strings
/// are most of a response's bytes, and a token most of a request's.
#[inline(always)]
pub(crate) fn plain_run_end(bytes: &[u8], mut at: usize, ascii: bool) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    while let Some(&[b0, b1, b2, b3, b4, b5, b6, b7]) = bytes.get(at..at + 8) {
        let x = u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]);
        // A byte below 0x20 has its high bit clear after subtracting 0x20 where the byte had it clear.
        let mut special = has_zero(x ^ (ONES * u64::from(b'"'))) | has_zero(x ^ (ONES * u64::from(b'\\'))) | (x.wrapping_sub(ONES * 0x20) & !x & HIGHS);
        if ascii {
            special |= (x & HIGHS) | has_zero(x ^ (ONES * 0x7f));
        }
        if special != 0 {
            return at + (special.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&b) = bytes.get(at) {
        if b == b'"' || b == b'\\' || b < 0x20 || ascii && b >= 0x7f {
            break;
        }
        at += 1;
    }
    at
}

/// A JSON number's text (or a plain decimal like `1700000000.5`) as `f64`. Exact for integers
/// below 2^53 and for decimals with up to 15 significant digits, which covers epoch seconds and
/// milliseconds; otherwise within a few units in the last place. `None` when not a number.
pub fn parse_number(text: &str) -> Option<f64> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(body) => (true, body),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (digits, exponent_text) = match body.split_once(['e', 'E']) {
        Some((digits, exponent)) => (digits, Some(exponent)),
        None => (body, None),
    };
    let (int, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && fraction.is_empty() || !(int.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())) {
        return None;
    }
    // Up to 19 significant digits in a u64; the rest only move the decimal point.
    let (mut mantissa, mut exponent) = (0u64, 0i32);
    for (i, d) in int.bytes().chain(fraction.bytes()).enumerate() {
        let in_fraction = i >= int.len();
        if mantissa < 1_000_000_000_000_000_000 {
            mantissa = mantissa * 10 + u64::from(d - b'0');
            exponent -= i32::from(in_fraction);
        } else if !in_fraction {
            exponent += 1;
        }
    }
    if let Some(e) = exponent_text {
        let (sign, e) = match e.strip_prefix('-') {
            Some(e) => (-1, e),
            None => (1, e.strip_prefix('+').unwrap_or(e)),
        };
        if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Saturate: 1e99999 is infinite and 1e-99999 zero, whatever the mantissa.
        let e = e.bytes().fold(0i32, |acc, b| (acc * 10 + i32::from(b - b'0')).min(100_000));
        exponent += sign * e;
    }
    let m = mantissa as f64;
    // One correctly rounded operation when both operands are exact (mantissa < 2^53, 10^|e| ≤ 10^22).
    let value = if exponent >= 0 {
        m * pow10(exponent.min(22)) * pow10((exponent - 22).max(0))
    } else {
        m / pow10((-exponent).min(22)) / pow10((-exponent - 22).max(0))
    };
    Some(if negative { -value } else { value })
}

/// 10^e for e ≥ 0, by squaring (exact up to 10^22).
fn pow10(mut e: i32) -> f64 {
    let (mut result, mut base) = (1.0f64, 10.0f64);
    if e > 400 {
        return f64::INFINITY;
    }
    while e > 0 {
        if e & 1 == 1 {
            result *= base;
        }
        base *= base;
        e >>= 1;
    }
    result
}

/// Appends `s` as a JSON string, escaped as `JSON.stringify` does.
pub fn write_str(out: &mut String, s: &str) {
    write_escaped(out, s, false);
}

/// Appends `s` as a JSON string as Python's `json.dumps` writes it (botocore's request bodies):
/// as [`write_str`], and every character outside printable ASCII as `\uXXXX`.
pub fn write_ascii_str(out: &mut String, s: &str) {
    write_escaped(out, s, true);
}

/// The one JSON string writer: runs of plain characters (all of a token) are copied whole, since
/// a request's token and a response's credentials go through here.
#[inline(never)]
fn write_escaped(out: &mut String, s: &str, ascii: bool) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut rest = s;
    loop {
        // Ends at an ASCII byte or, with `ascii`, a lead byte: always a character boundary.
        let plain = plain_run_end(rest.as_bytes(), 0, ascii);
        let (run, tail) = rest.split_at_checked(plain).unwrap_or((rest, ""));
        out.push_str(run);
        let mut chars = tail.chars();
        let Some(c) = chars.next() else { break };
        rest = chars.as_str();
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            _ => "",
        };
        if escape.is_empty() {
            // `\u` and lowercase hex per UTF-16 unit, as both `JSON.stringify` and Python write it.
            const HEX: &[u8; 16] = b"0123456789abcdef";
            for unit in c.encode_utf16(&mut [0u16; 2]) {
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(char::from(HEX[usize::from((*unit >> shift) & 0xf)]));
                }
            }
        } else {
            out.push_str(escape);
        }
    }
    out.push('"');
}

/// Appends an unsigned integer in decimal.
pub fn write_u64(out: &mut String, n: u64) {
    write_padded(out, n, 1);
}

/// Appends an unsigned integer in decimal, zero-padded to at least `width` digits (dates, times,
/// fractions), without allocating.
pub fn write_padded(out: &mut String, mut n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i.min(buf.len().saturating_sub(width))..] {
        out.push(char::from(d));
    }
}

/// Appends `.` and a fraction of `scale_digits` decimal digits, trailing zeros dropped
/// (`frac` 120000 at 6 digits → `.12`); nothing when `frac` is 0.
pub fn write_fraction(out: &mut String, frac: u64, scale_digits: usize) {
    if frac == 0 {
        return;
    }
    out.push('.');
    write_padded(out, frac, scale_digits);
    while out.ends_with('0') {
        out.pop();
    }
}

/// Appends a number: integers exactly, fractions to the microsecond (these are seconds and
/// milliseconds), magnitudes past 10^15 in exponent form; `null` for NaN and infinities, as
/// `JSON.stringify` does.
#[inline(never)]
pub fn write_f64(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push_str("null");
        return;
    }
    if v < 0.0 {
        out.push('-');
    }
    let a = v.abs();
    if a < 1e15 {
        let mut int = a.trunc() as u64;
        let mut frac = ((a - a.trunc()) * 1e6).round() as u64;
        if frac >= 1_000_000 {
            int += 1;
            frac = 0;
        }
        write_u64(out, int);
        write_fraction(out, frac, 6);
    } else {
        let mut exponent = 0u32;
        let mut m = a;
        while m >= 10.0 {
            m /= 10.0;
            exponent += 1;
        }
        write_f64(out, (m * 1e6).round() / 1e6);
        out.push('e');
        write_u64(out, u64::from(exponent));
    }
}

/// Writes one object's members: `{"a":1,"b":"x"}`. Member names are the core's own constants and
/// are written as they are.
pub struct ObjectWriter<'o> {
    out: &'o mut String,
    empty: bool,
}

impl<'o> ObjectWriter<'o> {
    /// Opens an object on `out`.
    pub fn new(out: &'o mut String) -> Self {
        out.push('{');
        ObjectWriter { out, empty: true }
    }

    #[inline(never)]
    fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
        self.out
    }

    /// A string member.
    #[inline(never)]
    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        write_str(self.key(key), value);
        self
    }

    /// A string member, left out when `None`.
    #[inline(never)]
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.str(key, v);
        }
        self
    }

    /// A number member.
    #[inline(never)]
    pub fn num(&mut self, key: &str, value: f64) -> &mut Self {
        write_f64(self.key(key), value);
        self
    }

    /// A number member, left out when `None`.
    #[inline(never)]
    pub fn opt_num(&mut self, key: &str, value: Option<f64>) -> &mut Self {
        if let Some(v) = value {
            self.num(key, v);
        }
        self
    }

    /// A boolean member.
    #[inline(never)]
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key).push_str(if value { "true" } else { "false" });
        self
    }

    /// A member whose value `write` appends (a nested object or array).
    pub fn with(&mut self, key: &str, write: impl FnOnce(&mut String)) -> &mut Self {
        write(self.key(key));
        self
    }

    /// A member whose value is JSON text already (validated by [`parse`]).
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.key(key).push_str(json);
        self
    }

    /// Closes the object.
    pub fn finish(&mut self) {
        self.out.push('}');
    }
}

/// A value the core hands to JavaScript.
pub trait ToJson {
    /// Appends this value's JSON text.
    fn write_json(&self, out: &mut String);

    /// This value's JSON text.
    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

impl ToJson for str {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for f64 {
    fn write_json(&self, out: &mut String) {
        write_f64(out, *self);
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            v.write_json(out);
        }
        out.push(']');
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

impl ToJson for Value<'_> {
    /// As `JSON.stringify(JSON.parse(text))` writes it, members in text order (duplicates kept): a
    /// number past f64's range (`1e400`, read as Infinity) as `null`, other numbers as written.
    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => b.write_json(out),
            Value::Number(text) => out.push_str(if parse_number(text).is_some_and(f64::is_finite) { text } else { "null" }),
            Value::String(s) => write_str(out, s),
            Value::Array(items) => items.write_json(out),
            Value::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, key);
                    out.push(':');
                    value.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc8259() {
        let v = parse(r#" {"a": [1, -2.5e3, true, null], "b": "x\"\u00e9\ud83d\ude00", "a": "last"} "#).unwrap();
        assert_eq!(v.get("a").and_then(Value::as_str), Some("last"));
        assert_eq!(v.get("b").and_then(Value::as_str), Some("x\"é😀"));
        assert!(matches!(v.get("b"), Some(Value::String(Cow::Owned(_)))));
        assert_eq!(parse("[1]").unwrap().as_array().map(<[Value<'_>]>::len), Some(1));
        for bad in ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"\u{1}\"", "\"\\x\"", "\"\\ud800\"", "tru", "nul", "1 2", "{a:1}", "[", "\"abc"] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
        assert!(parse("tru").unwrap_err().eof);
        assert!(parse("{\"a\":").unwrap_err().eof);
        assert!(!parse("[1,]").unwrap_err().eof);
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(parse(&deep).unwrap_err().reason, "nested too deeply");
        assert!(parse(&("[".repeat(100) + &"]".repeat(100))).is_ok());
    }

    #[test]
    fn writes_a_value_back_as_json_stringify() {
        let text = r#" {"a": [1, -2.5e3, true, null, 5e400, -1E999], "b": "x\"\u00e9", "a": {}} "#;
        let written = parse(text).unwrap().to_json();
        assert_eq!(written, r#"{"a":[1,-2.5e3,true,null,null,null],"b":"x\"é","a":{}}"#);
        assert!(serde_json::from_str::<serde_json::Value>(&written).is_ok());
    }

    #[test]
    fn numbers() {
        for (text, want) in [
            ("0", 0.0),
            ("-0", -0.0),
            ("1764342000", 1_764_342_000.0),
            ("1764342000.123", 1_764_342_000.123),
            ("1.764342e9", 1_764_342_000.0),
            ("1764342000123", 1_764_342_000_123.0),
            ("2.5E-3", 0.0025),
            ("1e400", f64::INFINITY),
            ("123456789012345678901234567890", 1.2345678901234568e29),
        ] {
            let got = parse_number(text).unwrap();
            assert!(got == want || (got - want).abs() <= want.abs() * 1e-15, "{text}: {got} != {want}");
        }
        assert_eq!(parse_number("1764342000.123"), Some(1_764_342_000.123));
        assert_eq!(parse_number("x"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("1e"), None);
    }

    #[test]
    fn writes_as_json_stringify() {
        let mut out = String::new();
        write_str(&mut out, "a\"\\\n\u{1}é/");
        assert_eq!(out, r#""a\"\\\n\u0001é/""#);
        for (v, want) in [
            (0.0, "0"),
            (1_764_342_000.0, "1764342000"),
            (1_764_342_000.5, "1764342000.5"),
            (1_764_342_000.123, "1764342000.123"),
            (-600.25, "-600.25"),
            (f64::NAN, "null"),
            (1e300, "1e300"),
        ] {
            let mut out = String::new();
            write_f64(&mut out, v);
            assert_eq!(out, want);
        }
        let mut out = String::new();
        write_padded(&mut out, 7, 4);
        write_padded(&mut out, 12345, 4);
        write_fraction(&mut out, 120_000, 6);
        write_fraction(&mut out, 0, 6);
        assert_eq!(out, "000712345.12");
        let mut out = String::new();
        ObjectWriter::new(&mut out).str("a", "x").opt_str("b", None).num("c", 2.0).bool("d", true).with("e", |o| vec![1.0, 2.0].write_json(o)).finish();
        assert_eq!(out, r#"{"a":"x","c":2,"d":true,"e":[1,2]}"#);
    }

    #[test]
    fn python_escaping() {
        let mut s = String::new();
        write_ascii_str(&mut s, "nœud-été \"q\" \\ \n \u{1f600} \u{7f}");
        assert_eq!(s, "\"n\\u0153ud-\\u00e9t\\u00e9 \\\"q\\\" \\\\ \\n \\ud83d\\ude00 \\u007f\"");
    }
}
