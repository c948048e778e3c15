//! The small vocabularies stored as integer codes (lead stages, OS,
//! browser, why a click was filtered; docs/API.md lists them): each is an
//! enum whose discriminant is its stored code, declared with
//! [`code_enum!`], so the code, its name and the SQL binding are one list.

/// Declares `enum $name` with codes `0..n` in order, and:
/// `ALL` (every variant, by code), `code()`, `name()`, `from_code()`,
/// `$names` (the names by code, for the tables that list them), `Display`
/// (the name) and SQL binding as the integer code; reading a code no
/// variant has fails (`FromSqlError::OutOfRange`): the app never writes one.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident names $names:ident {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal => $text:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        #[repr(u8)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $code,)*
        }

        impl $name {
            /// Every variant, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stored code.
            pub const fn code(self) -> u8 {
                self as u8
            }

            /// The name the API and the dashboard show.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// The variant stored as `code`.
            pub fn from_code(code: i64) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        // `$names[code]` is that code's name only while codes run 0..n.
        const _: () = {
            let mut i = 0;
            while i < $name::ALL.len() {
                assert!($name::ALL[i] as usize == i, "codes must run 0..n in order");
                i += 1;
            }
        };

        /// The names by code.
        pub const $names: [&str; $name::ALL.len()] = {
            let mut names = [""; $name::ALL.len()];
            let mut i = 0;
            while i < names.len() {
                names[i] = $name::ALL[i].name();
                i += 1;
            }
            names
        };

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(i64::from(self.code())))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                let code = i64::column_result(value)?;
                $name::from_code(code).ok_or(rusqlite::types::FromSqlError::OutOfRange(code))
            }
        }
    };
}
pub(crate) use code_enum;

#[cfg(test)]
mod tests {
    code_enum! {
        /// A vocabulary for the test.
        pub enum Colour names COLOUR_NAMES {
            #[default]
            Red = 0 => "red",
            Blue = 1 => "blue",
        }
    }

    #[test]
    fn codes_names_and_sql_agree() {
        assert_eq!(COLOUR_NAMES, ["red", "blue"]);
        assert_eq!(Colour::from_code(1), Some(Colour::Blue));
        assert_eq!(Colour::from_code(2), None);
        assert_eq!(Colour::Blue.to_string(), "blue");
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let back: (i64, Colour) = conn
            .query_row("SELECT ?1, ?1", [Colour::Blue], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(back, (1, Colour::Blue));
        let bad = conn.query_row("SELECT 7", [], |r| r.get::<_, Colour>(0));
        assert!(bad.is_err());
    }
}

code_enum! {
    /// Why a click was filtered, stored as its code: `Target` when no
    /// filter blocked it.
    pub enum FilterCode names FILTER_NAMES {
        #[default]
        Target = 0 => "target",
        Bot = 1 => "bot",
        Blacklist = 2 => "blacklist",
        Country = 3 => "country",
        Language = 4 => "language",
        Rules = 5 => "rules",
    }
}
