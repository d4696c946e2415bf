//! Amounts of money as Stripe counts them: integers of the currency's minor
//! unit (pence), parsed from what a reader types and written back for people.

const ZERO_DECIMAL: [&str; 16] = [
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
];

fn decimals(currency: &str) -> u32 {
    if ZERO_DECIMAL.contains(&currency) { 0 } else { 2 }
}

/// "12", "12.5", "12.50", "£1,000" → minor units; None if it is not an amount.
pub fn parse(text: &str, currency: &str) -> Option<i64> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '£' | '€' | '$'))
        .collect();
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let places = decimals(currency) as usize;
    if fraction.len() > places {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<places$}").parse().ok()?
    };
    whole.checked_mul(10i64.pow(places as u32))?.checked_add(fraction)
}

/// Minor units for people: "£12.50", "€5", "12.50 CHF".
pub fn format(minor: i64, currency: &str) -> String {
    let places = decimals(currency);
    let scale = 10i64.pow(places);
    let number = if places == 0 || minor % scale == 0 {
        format!("{}", minor / scale)
    } else {
        format!(
            "{}.{:0width$}",
            minor / scale,
            (minor % scale).abs(),
            width = places as usize
        )
    };
    match currency {
        "gbp" => format!("£{number}"),
        "eur" => format!("€{number}"),
        "usd" => format!("${number}"),
        other => format!("{number} {}", other.to_uppercase()),
    }
}

/// Whole major units to minor (for presets and goals).
pub fn from_major(major: i64, currency: &str) -> i64 {
    major.saturating_mul(10i64.pow(decimals(currency)))
}

/// What "cover the fees" adds: a percentage (in basis points, rounded up) and a fixed part.
pub fn fee_cover(amount: i64, basis_points: i64, fixed: i64) -> i64 {
    (amount * basis_points + 9_999) / 10_000 + fixed
}

/// A currency code Stripe would take: three lower-case letters.
pub fn is_currency(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_lowercase())
}

/// An ISO 4217 currency code as Stripe writes it ("gbp").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Currency(String);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, String> {
        if is_currency(code) {
            Ok(Self(code.to_owned()))
        } else {
            Err(format!("\"{code}\" is not a currency code"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An amount in a currency's minor unit (pence), never negative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Result<Self, String> {
        if minor < 0 {
            return Err(format!("the amount {minor} is negative"));
        }
        Ok(Self { minor, currency })
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format(self.minor, self.currency.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_and_written_in_minor_units() {
        assert_eq!(parse("12", "gbp"), Some(1200));
        assert_eq!(parse("12.5", "gbp"), Some(1250));
        assert_eq!(parse(" £1,000.05 ", "gbp"), Some(100_005));
        assert_eq!(parse("500", "jpy"), Some(500));
        for bad in ["", "12.345", "-5", "ten", "1e3", ".5", "12.5.1"] {
            assert_eq!(parse(bad, "gbp"), None, "{bad}");
        }
        assert_eq!(format(1250, "gbp"), "£12.50");
        assert_eq!(format(1000, "eur"), "€10");
        assert_eq!(format(500, "jpy"), "500 JPY");
        assert_eq!(fee_cover(1000, 150, 20), 35);
    }
}
