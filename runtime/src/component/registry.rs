/// Declares the table of one kind of component: the config enum, one case per component
/// (each behind its cargo feature, named in the config by its string), and `component()`, the
/// one place that dispatches on it. A new component is one row:
///
/// ```ignore
/// registry! {
///     /// The table of transport kinds.
///     pub enum TransportConfig as dyn TransportComponent {
///         /// HTTP push server (Energisme, seed 001).
///         "http_push" => HttpPush(http_push::HttpPushConfig) if "transport-http-push",
///         /// No native transport.
///         "embedded" => Embedded(embedded::EmbeddedConfig),
///     }
/// }
/// ```
macro_rules! registry {
    (
        $(#[$meta:meta])*
        $vis:vis enum $Enum:ident as $Trait:ty {
            $(
                $(#[doc = $doc:literal])*
                $name:literal => $Variant:ident($Config:ty) $(if $feature:literal)?,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
        $vis enum $Enum {
            $(
                $(#[doc = $doc])*
                $(#[cfg(feature = $feature)])?
                #[serde(rename = $name)]
                $Variant($Config),
            )*
        }

        impl $Enum {
            /// The component behind this case.
            pub fn component(&self) -> &$Trait {
                match *self {
                    $(
                        $(#[cfg(feature = $feature)])?
                        Self::$Variant(ref c) => c,
                    )*
                }
            }

            /// The kind's name, as the config spells it.
            pub const fn kind(&self) -> &'static str {
                match *self {
                    $(
                        $(#[cfg(feature = $feature)])?
                        Self::$Variant(_) => $name,
                    )*
                }
            }
        }
    };
}

pub(crate) use registry;
