//! The command line, declared with clap's derive: every subcommand has `--help`, a wrong flag
//! is named with the nearest right one, and MIT's short flags are kept where MIT has them
//! (`kinit -c -k -t -l -r`, `klist -c -k -e -l`, `kvno -c`, `kdestroy -c`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Windows-style integrated authentication: NTLM, Kerberos, SPNEGO and Negotiate.
#[derive(Debug, Parser)]
#[command(
    name = "sesame",
    version,
    propagate_version = true,
    args_override_self = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what a token or a Kerberos message holds.
    Decode(DecodeArgs),
    /// List a credential cache or a keytab (as MIT's klist).
    Klist(KlistArgs),
    /// Add keys derived from a password to a keytab (as ktutil's addent -password).
    Ktadd(KtaddArgs),
    /// Get a TGT into a credential cache (as MIT's kinit).
    Kinit(KinitArgs),
    /// Get service tickets into the credential cache and print their kvno (as MIT's kvno).
    Kvno(KvnoArgs),
    /// Change a password over the kpasswd protocol (RFC 3244, as MIT's kpasswd).
    Kpasswd(KpasswdArgs),
    /// Destroy a credential cache (as MIT's kdestroy).
    Kdestroy(KdestroyArgs),
    /// Make a cache of a collection (KCM:name, DIR::file) the primary (as MIT's kswitch -c).
    Kswitch(KswitchArgs),
    /// Find the KDCs of a realm (krb5.conf, DNS SRV records, KDC proxies).
    Locate(LocateArgs),
    /// GET a URL with Negotiate authentication (as curl --negotiate).
    Http(HttpArgs),
    /// RDP network level authentication only, as `xfreerdp +auth-only`: X.224 negotiation,
    /// TLS, CredSSP (docs/credssp.md).
    RdpAuth(RdpAuthArgs),
    /// Answer one RDP connection's network level authentication (X.224, TLS, CredSSP), print
    /// the user and the kind of credentials delegated, and exit.
    RdpListen(RdpListenArgs),
    /// Initiate a security context over the token line protocol (docs/cli.md).
    Init(ContextArgs),
    /// Accept a security context over the token line protocol (docs/cli.md).
    Accept(ContextArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `sesame decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The input is hexadecimal.
    #[arg(long, conflicts_with = "raw")]
    pub hex: bool,
    /// Decrypt the AP-REQ's ticket with this service keytab and show it with its PAC (the
    /// PAC's server signature and client info checked).
    #[arg(long, value_name = "FILE")]
    pub keytab: Option<String>,
    /// With --keytab: the domain's krbtgt keys, to check the PAC's KDC signature too.
    #[arg(long, value_name = "FILE", requires = "keytab")]
    pub kdc_keytab: Option<String>,
    /// The input is the raw bytes.
    #[arg(long)]
    pub raw: bool,
    /// A file (default: standard input); base64 unless --hex or --raw, an `Authorization:
    /// Negotiate <base64>` line as it is.
    pub file: Option<String>,
}

/// `sesame klist`.
#[derive(Debug, Args)]
pub struct KlistArgs {
    /// The credential cache (default: KRB5CCNAME, else krb5.conf's default_ccache_name, else
    /// FILE:/tmp/krb5cc_UID, as MIT resolves it).
    #[arg(short = 'c', long, value_name = "NAME")]
    pub ccache: Option<String>,
    /// List a keytab instead (the default keytab when no FILE is given: KRB5_KTNAME, krb5.conf's
    /// default_keytab_name, /etc/krb5.keytab).
    #[arg(short = 'k', long, value_name = "FILE", num_args = 0..=1, default_missing_value = "")]
    pub keytab: Option<String>,
    /// Show the enctypes (they are always shown; accepted as MIT's klist takes it).
    #[arg(short = 'e')]
    pub enctypes: bool,
    /// List the caches of the collection (DIR:) with their principals.
    #[arg(short = 'l')]
    pub list: bool,
    /// A cache (or with -k a keytab) name, as MIT's klist takes it.
    pub name: Option<String>,
}

/// `sesame ktadd`.
#[derive(Debug, Args)]
pub struct KtaddArgs {
    /// The keytab file.
    pub file: String,
    /// The principal whose keys to add.
    pub principal: String,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// The key version number.
    #[arg(long, default_value_t = 1)]
    pub kvno: u32,
    /// Enctypes, comma-separated MIT names (default: the four AES ones; rc4 only when named).
    #[arg(long, value_name = "LIST")]
    pub enctypes: Option<String>,
    /// The salt (default: the principal's).
    #[arg(long)]
    pub salt: Option<String>,
}

/// Where a password comes from: an environment variable, a file, else a prompt on the terminal
/// with echo off. Never the command line.
#[derive(Debug, Args, Default, Clone)]
pub struct PasswordArgs {
    /// Read the password from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Read the password from the first line of this file (for scripts).
    #[arg(long, value_name = "FILE", conflicts_with = "password_env")]
    pub password_file: Option<PathBuf>,
}

/// How to reach the KDC.
#[derive(Debug, Args, Default, Clone)]
pub struct KdcArgs {
    /// This KDC instead of the configured ones: HOST[:PORT], `tcp/` or `udp/` first.
    #[arg(long, value_name = "HOST[:PORT]")]
    pub kdc: Option<String>,
    /// A KDC proxy (MS-KKDCP) instead: https://host/KdcProxy.
    #[arg(long, value_name = "URL")]
    pub kdc_proxy: Option<String>,
    /// Trust this CA (PEM) for the KDC proxy (as MIT's http_anchors) and for a CredSSP
    /// server's certificate.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<String>,
    /// Ask this nameserver for SRV records (ADDRESS:PORT).
    #[arg(long, value_name = "ADDR:PORT")]
    pub dns_server: Option<String>,
    /// Show each KDC tried and what happened (and, for http, each leg).
    #[arg(short, long)]
    pub verbose: bool,
}

/// Kerberos options shared by the commands that get tickets.
#[derive(Debug, Args, Default, Clone)]
pub struct KerberosArgs {
    /// Enctypes, comma-separated MIT names, in order of preference.
    #[arg(long, value_name = "LIST")]
    pub enctypes: Option<String>,
    /// Accept rc4-hmac (RFC 8429 deprecates it; off by default).
    #[arg(long)]
    pub allow_weak: bool,
    /// Shift this side's clock by SECONDS (to test skew).
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub clock_offset: Option<i64>,
}

/// `sesame kinit`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // MIT kinit's flags, one field each
pub struct KinitArgs {
    /// The principal (user@REALM, or user with the default realm); with -k, the keytab's
    /// first when omitted.
    pub principal: Option<String>,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Use a keytab (KRB5_CLIENT_KTNAME, else the default keytab: KRB5_KTNAME,
    /// default_keytab_name, /etc/krb5.keytab; unless -t names one).
    #[arg(short = 'k')]
    pub use_keytab: bool,
    /// The keytab (implies -k).
    #[arg(short = 't', long, value_name = "FILE")]
    pub keytab: Option<String>,
    /// The credential cache (default: KRB5CCNAME, else default_ccache_name, as MIT resolves it).
    #[arg(short = 'c', long, value_name = "NAME")]
    pub ccache: Option<String>,
    /// The lifetime asked for: seconds, or 10h, 30m, 1d, 1h30m.
    #[arg(short = 'l', long, value_name = "LIFETIME")]
    pub lifetime: Option<String>,
    /// A renewable ticket for this long.
    #[arg(short = 'r', long, value_name = "LIFETIME")]
    pub renewable: Option<String>,
    /// A forwardable TGT (default: krb5.conf's forwardable, else not).
    #[arg(short = 'f', conflicts_with = "not_forwardable")]
    pub forwardable: bool,
    /// Not forwardable.
    #[arg(short = 'F')]
    pub not_forwardable: bool,
    /// A proxiable TGT (default: krb5.conf's proxiable, else not).
    #[arg(short = 'p', conflicts_with = "not_proxiable")]
    pub proxiable: bool,
    /// Not proxiable.
    #[arg(short = 'P')]
    pub not_proxiable: bool,
    /// Renew the cache's TGT (no password): MIT's kinit -R.
    #[arg(short = 'R', long, conflicts_with_all = ["use_keytab", "keytab", "renewable"])]
    pub renew: bool,
    /// The principal is an enterprise name (`user@upn.suffix`, NT-ENTERPRISE, as MIT's -E):
    /// the KDC finds the account by its UPN and the cache holds its canonical name.
    #[arg(short = 'E', long, conflicts_with = "renew")]
    pub enterprise: bool,
    /// Armor the request with FAST (RFC 6113) using the TGT in this cache (a host's, from
    /// its keytab), as MIT's kinit -T.
    #[arg(short = 'T', long, value_name = "CACHE", conflicts_with = "renew")]
    pub armor_ccache: Option<String>,
    /// When the KDC says the password has expired, change it to the password in this
    /// environment variable and get the TGT with it (MIT's kinit prompts for it).
    #[arg(long, value_name = "VAR", conflicts_with_all = ["renew", "use_keytab", "keytab"])]
    pub new_password_env: Option<String>,
    /// The password-change server (HOST[:PORT], default port 464) instead of krb5.conf's.
    #[arg(long, value_name = "HOST[:PORT]")]
    pub kpasswd_server: Option<String>,
    #[command(flatten)]
    pub kerberos: KerberosArgs,
    #[command(flatten)]
    pub kdc: KdcArgs,
}

/// `sesame kpasswd`.
#[derive(Debug, Args)]
pub struct KpasswdArgs {
    /// Whose password (default: the default cache's principal, as MIT's kpasswd).
    pub principal: Option<String>,
    /// The current password (default: prompt).
    #[command(flatten)]
    pub password: PasswordArgs,
    /// The new password, from this environment variable (default: prompt, twice).
    #[arg(long, value_name = "VAR")]
    pub new_password_env: Option<String>,
    /// Set this principal's password instead (RFC 3244 set-password), authenticated as
    /// PRINCIPAL, an administrator.
    #[arg(long, value_name = "USER")]
    pub set_for: Option<String>,
    /// The password-change server (HOST[:PORT], default port 464) instead of krb5.conf's.
    #[arg(long, value_name = "HOST[:PORT]")]
    pub kpasswd_server: Option<String>,
    #[command(flatten)]
    pub kerberos: KerberosArgs,
    #[command(flatten)]
    pub kdc: KdcArgs,
}

/// `sesame kvno`.
#[derive(Debug, Args)]
pub struct KvnoArgs {
    /// Service principals (HTTP/host, HTTP/host@REALM, HTTP@host).
    #[arg(required = true)]
    pub services: Vec<String>,
    /// S4U2Self (protocol transition, as MIT's -U): a ticket to the cache's own principal in
    /// this user's name; the service named must be the cache's principal unless -P.
    #[arg(short = 'U', value_name = "USER")]
    pub impersonate: Option<String>,
    /// With -U: S4U2Proxy (constrained delegation, as MIT's -P) to each service named, with
    /// the S4U2Self ticket as the evidence.
    #[arg(short = 'P', requires = "impersonate")]
    pub proxy: bool,
    /// The credential cache (default: KRB5CCNAME, else default_ccache_name, as MIT resolves it).
    #[arg(short = 'c', long, value_name = "NAME")]
    pub ccache: Option<String>,
    #[command(flatten)]
    pub kerberos: KerberosArgs,
    #[command(flatten)]
    pub kdc: KdcArgs,
}

/// `sesame kswitch`.
#[derive(Debug, Args)]
pub struct KswitchArgs {
    /// The cache to make the primary one of its collection.
    #[arg(short = 'c', long, value_name = "NAME")]
    pub ccache: String,
}

/// `sesame kdestroy`.
#[derive(Debug, Args)]
pub struct KdestroyArgs {
    /// The credential cache (default: KRB5CCNAME, else default_ccache_name, as MIT resolves it).
    #[arg(short = 'c', long, value_name = "NAME")]
    pub ccache: Option<String>,
}

/// `sesame locate`.
#[derive(Debug, Args)]
pub struct LocateArgs {
    /// The realm.
    pub realm: String,
    #[command(flatten)]
    pub kdc: KdcArgs,
}

/// `sesame http`.
#[derive(Debug, Args)]
pub struct HttpArgs {
    /// The URL to GET.
    pub url: String,
    /// The service principal (default: HTTP/<the URL's host>).
    #[arg(long, value_name = "SPN")]
    pub target: Option<String>,
    /// Log on as this user (DOMAIN\user, user@REALM, a UPN, or a bare name); the password from
    /// --password-env, --password-file or a prompt. Without it: the default credential cache.
    #[arg(short = 'u', long)]
    pub user: Option<String>,
    /// The NTLM domain, overriding the one the user name implies.
    #[arg(long)]
    pub domain: Option<String>,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Use this credential cache (Kerberos only).
    #[arg(short = 'c', long, value_name = "NAME")]
    pub ccache: Option<String>,
    /// Packages in SSPI's form: kerberos,!ntlm / ntlm / !kerberos / kerberos,iakerb,ntlm.
    #[arg(long, value_name = "LIST")]
    pub packages: Option<String>,
    /// When NTLM may take over from Kerberos: allowlist (default), any, never.
    #[arg(long)]
    pub fallback: Option<String>,
    /// Delegate the TGT to the server.
    #[arg(long)]
    pub delegate: bool,
    /// Channel bindings' application data (e.g. tls-server-end-point:<hash>).
    #[arg(long, value_name = "TEXT")]
    pub channel_bindings: Option<String>,
    #[command(flatten)]
    pub kerberos: KerberosArgs,
    #[command(flatten)]
    pub kdc: KdcArgs,
}

/// `sesame init` and `sesame accept`: a context over the token line protocol.
#[derive(Debug, Args, Default, Clone)]
#[allow(clippy::struct_excessive_bools)] // one flag each, as on the command line
pub struct ContextArgs {
    /// The mechanism.
    #[arg(long, value_parser = ["ntlm", "kerberos", "iakerb", "negotiate", "spnego", "credssp"])]
    pub mech: String,
    /// Initiator: the target SPN (HTTP/host, or with --u2u the other user). Acceptor: its own
    /// names, comma-separated (only tickets and NTLM target names for them are taken).
    #[arg(long, value_name = "SPN")]
    pub target: Option<String>,
    /// The user (NTLM: with --domain; Kerberos and Negotiate: user@REALM or DOMAIN\user).
    #[arg(long)]
    pub user: Option<String>,
    /// The NTLM domain.
    #[arg(long)]
    pub domain: Option<String>,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// NTLM with the NT hash instead of a password (32 hex digits).
    #[arg(long, value_name = "HEX")]
    pub nt_hash: Option<String>,
    /// Acceptor: NTLM users, gss-ntlmssp's NTLM_USER_FILE format.
    #[arg(long, value_name = "FILE")]
    pub ntlm_users: Option<String>,
    /// Channel bindings' application data (e.g. tls-server-end-point:<hash>).
    #[arg(long, value_name = "TEXT")]
    pub channel_bindings: Option<String>,
    /// Acceptor: required (the default with --channel-bindings), when-present, off.
    #[arg(long, value_name = "POLICY")]
    pub channel_bindings_policy: Option<String>,
    /// NTLM acceptor: when the client's target name is checked: off, when-present, required.
    #[arg(long, value_name = "POLICY")]
    pub target_name_policy: Option<String>,
    /// NTLM: the least session security: none, or 128, ess, sign, seal (default 128).
    #[arg(long, value_name = "LIST")]
    pub ntlm_minimum: Option<String>,
    /// Kerberos acceptor: a replay cache file shared with other processes.
    #[arg(long, value_name = "FILE")]
    pub replay_cache: Option<String>,
    /// The credential cache (initiator: its tickets; acceptor with --u2u: its TGT).
    #[arg(long, value_name = "NAME")]
    pub ccache: Option<String>,
    /// A keytab (acceptor: its keys, default KRB5_KTNAME; initiator: the user's keys).
    #[arg(long, value_name = "FILE")]
    pub keytab: Option<String>,
    /// Kerberos acceptor: write a delegated TGT to this cache.
    #[arg(long, value_name = "NAME")]
    pub delegated_ccache: Option<String>,
    /// CredSSP initiator: trust the server's certificate whose SHA-256 fingerprint this is
    /// (64 hex digits, colons allowed), as ssh trusts a known host key.
    #[arg(long, value_name = "FP")]
    pub accept_fingerprint: Option<String>,
    /// CredSSP acceptor: the TLS certificate (PEM; its public key is what pubKeyAuth binds).
    #[arg(long, value_name = "FILE")]
    pub cert: Option<String>,
    /// CredSSP acceptor: the certificate's private key (PEM).
    #[arg(long, value_name = "FILE")]
    pub key: Option<String>,
    /// Acceptor: print the verified PAC of a Kerberos logon on standard error (user SID,
    /// groups as S-1-5-... with their names, signatures checked).
    #[arg(long)]
    pub show_pac: bool,
    /// Acceptor: the domain's krbtgt keys (Samba's `domain exportkeytab --principal=krbtgt`):
    /// every PAC's KDC signature must then verify too.
    #[arg(long, value_name = "FILE")]
    pub kdc_keytab: Option<String>,
    /// Negotiate: packages in SSPI's form (kerberos,iakerb,ntlm adds IAKerb's rung).
    #[arg(long, value_name = "LIST")]
    pub packages: Option<String>,
    /// Negotiate: allowlist (default), any, never.
    #[arg(long)]
    pub fallback: Option<String>,
    /// NTLM initiator: NTLMv1 with extended session security (explicit opt-in).
    #[arg(long)]
    pub ntlmv1: bool,
    /// NTLM acceptor: accept NTLMv1 with extended session security (explicit opt-in).
    #[arg(long)]
    pub allow_ntlmv1: bool,
    /// Ask for mutual authentication.
    #[arg(long)]
    pub mutual: bool,
    /// DCE style (three legs; implies mutual).
    #[arg(long)]
    pub dce: bool,
    /// User-to-user.
    #[arg(long)]
    pub u2u: bool,
    /// Delegate the TGT.
    #[arg(long)]
    pub delegate: bool,
    /// Kerberos and Negotiate initiator: constrained delegation, as USER (S4U2Self with the
    /// service's own credentials, then S4U2Proxy to --target; NTLM is not offered).
    #[arg(long, value_name = "USER")]
    pub impersonate: Option<String>,
    #[command(flatten)]
    pub kerberos: KerberosArgs,
    #[command(flatten)]
    pub kdc: KdcArgs,
}

/// `sesame rdp-auth HOST[:PORT]`.
#[derive(Debug, Args, Default)]
pub struct RdpAuthArgs {
    /// The RDP server (port 3389 unless given).
    #[arg(value_name = "HOST[:PORT]")]
    pub server: String,
    /// The user: `DOMAIN\user`, `user@REALM`, or `user` with --domain (required unless
    /// --ccache).
    #[arg(short, long, required_unless_present = "ccache")]
    pub user: Option<String>,
    /// Kerberos from this credential cache instead of a password; without a password nothing
    /// reusable is delegated (restricted admin mode: empty TSPasswordCreds).
    #[arg(short = 'c', long, value_name = "NAME")]
    pub ccache: Option<String>,
    /// The server's SPN (default TERMSRV/HOST).
    #[arg(long, value_name = "SPN")]
    pub spn: Option<String>,
    /// The NTLM domain (and the domain of the delegated credentials).
    #[arg(long)]
    pub domain: Option<String>,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// `negotiate` (Kerberos, NTLM by the fallback policy; default), or the raw `ntlm` that
    /// mstsc and FreeRDP send, or raw `kerberos`.
    #[arg(long, default_value = "negotiate", value_parser = ["negotiate", "ntlm", "kerberos"])]
    pub mech: String,
    /// Negotiate: packages in SSPI's form (kerberos,iakerb,ntlm adds IAKerb's rung).
    #[arg(long, value_name = "LIST")]
    pub packages: Option<String>,
    /// Negotiate: when to fall back to NTLM (allowlist, any, never).
    #[arg(long)]
    pub fallback: Option<String>,
    /// Trust the server's certificate whose SHA-256 fingerprint this is (64 hex digits).
    #[arg(long, value_name = "FP")]
    pub accept_fingerprint: Option<String>,
    #[command(flatten)]
    pub kerberos: KerberosArgs,
    #[command(flatten)]
    pub kdc: KdcArgs,
}

/// `sesame rdp-listen PORT`.
#[derive(Debug, Args, Default)]
pub struct RdpListenArgs {
    /// The port on 127.0.0.1.
    pub port: u16,
    /// The TLS certificate (PEM).
    #[arg(long, value_name = "FILE")]
    pub cert: String,
    /// Its private key (PEM).
    #[arg(long, value_name = "FILE")]
    pub key: String,
    /// Kerberos: the service keytab (TERMSRV/host).
    #[arg(long, value_name = "FILE")]
    pub keytab: Option<String>,
    /// NTLM: the users (gss-ntlmssp's DOMAIN:user:password lines).
    #[arg(long, value_name = "FILE")]
    pub ntlm_users: Option<String>,
    #[command(flatten)]
    pub kerberos: KerberosArgs,
}
