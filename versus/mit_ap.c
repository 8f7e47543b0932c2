/* The anchor for Sesame's Kerberos AP exchange: MIT's GSSAPI, initiator and acceptor in one
 * process, with mutual authentication (AP-REQ, AP-REP), as `sesame-versus` times its own.
 *
 *   mit_ap PRINCIPAL ITERATIONS
 *
 * The ccache (KRB5CCNAME) holds the service ticket, so no KDC is asked; the keytab
 * (KRB5_KTNAME) has the service key; KRB5RCACHENAME chooses the replay cache ("none:" for
 * off). Prints the mean microseconds per exchange of each step over ITERATIONS exchanges:
 *   init <us> accept <us> finish <us>
 * (finish: the initiator's check of the AP-REP and both contexts' deletion). Exits non-zero
 * unless every exchange completed with mutual authentication.
 */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int fail(const char *what, OM_uint32 major, OM_uint32 minor) {
    OM_uint32 m, ctx = 0;
    gss_buffer_desc text;
    gss_display_status(&m, minor, GSS_C_MECH_CODE, GSS_C_NO_OID, &ctx, &text);
    fprintf(stderr, "%s failed: major %u, %.*s\n", what, major, (int)text.length,
            (const char *)text.value);
    gss_release_buffer(&m, &text);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: mit_ap PRINCIPAL ITERATIONS\n");
        return 2;
    }
    int n = atoi(argv[2]);
    OM_uint32 major, minor;
    gss_buffer_desc name_buf = {strlen(argv[1]), argv[1]};
    gss_name_t target;
    major = gss_import_name(&minor, &name_buf, (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME, &target);
    if (GSS_ERROR(major)) return fail("gss_import_name", major, minor);

    gss_OID_set_desc krb5 = {1, (gss_OID)gss_mech_krb5};
    gss_cred_id_t icred, acred;
    major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &krb5, GSS_C_INITIATE,
                             &icred, NULL, NULL);
    if (GSS_ERROR(major)) return fail("gss_acquire_cred (initiate)", major, minor);
    major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &krb5, GSS_C_ACCEPT,
                             &acred, NULL, NULL);
    if (GSS_ERROR(major)) return fail("gss_acquire_cred (accept)", major, minor);

    double t_init = 0, t_accept = 0, t_finish = 0;
    for (int i = 0; i < n; i++) {
        gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
        gss_buffer_desc ap_req = GSS_C_EMPTY_BUFFER, ap_rep = GSS_C_EMPTY_BUFFER,
                        none = GSS_C_EMPTY_BUFFER;
        OM_uint32 flags = 0;
        double t0 = now_us();
        major = gss_init_sec_context(&minor, icred, &ictx, target, (gss_OID)gss_mech_krb5,
                                     GSS_C_MUTUAL_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS,
                                     GSS_C_NO_BUFFER, NULL, &ap_req, NULL, NULL);
        if (major != GSS_S_CONTINUE_NEEDED) return fail("gss_init_sec_context", major, minor);
        double t1 = now_us();
        major = gss_accept_sec_context(&minor, &actx, acred, &ap_req,
                                       GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &ap_rep, &flags,
                                       NULL, NULL);
        if (major != GSS_S_COMPLETE || !(flags & GSS_C_MUTUAL_FLAG))
            return fail("gss_accept_sec_context", major, minor);
        double t2 = now_us();
        major = gss_init_sec_context(&minor, icred, &ictx, target, (gss_OID)gss_mech_krb5,
                                     GSS_C_MUTUAL_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS, &ap_rep,
                                     NULL, &none, NULL, NULL);
        if (major != GSS_S_COMPLETE) return fail("gss_init_sec_context (AP-REP)", major, minor);
        gss_release_buffer(&minor, &ap_req);
        gss_release_buffer(&minor, &ap_rep);
        gss_release_buffer(&minor, &none);
        gss_delete_sec_context(&minor, &ictx, GSS_C_NO_BUFFER);
        gss_delete_sec_context(&minor, &actx, GSS_C_NO_BUFFER);
        double t3 = now_us();
        t_init += t1 - t0;
        t_accept += t2 - t1;
        t_finish += t3 - t2;
    }
    printf("init %.3f accept %.3f finish %.3f\n", t_init / n, t_accept / n, t_finish / n);
    gss_release_cred(&minor, &icred);
    gss_release_cred(&minor, &acred);
    gss_release_name(&minor, &target);
    return 0;
}
