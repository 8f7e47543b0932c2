#![no_main]
use sesame_kerberos::krb5_conf::Krb5Conf;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        // Relative includes resolve under a directory that does not exist.
        if let Ok(conf) = Krb5Conf::parse(text, std::path::Path::new("/nonexistent/krb5.conf")) {
            let _ = conf.kdcs("EXAMPLE.TEST");
            let _ = conf.clockskew();
            let _ = conf.enctypes("permitted_enctypes", true);
            let _ = conf.realm_of_host("host.example.test");
        }
    }
});
