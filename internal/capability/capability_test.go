package capability

import "testing"

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SYS_ADMIN", "CAP_SYS_ADMIN"},
		{"sys_admin", "CAP_SYS_ADMIN"},
		{"cap_sys_admin", "CAP_SYS_ADMIN"},
		{"Cap_Sys_Admin", "CAP_SYS_ADMIN"},
		{"ſys_admin", "CAP_SYS_ADMIN"},             // U+017F long s: ToUpper gives S
		{"sys_admın", "CAP_SYS_ADMIN"},             // U+0131 dotless i: ToUpper gives I
		{"dac_read_ſearch", "CAP_DAC_READ_SEARCH"}, // the daemon accepts it, so must we see it
		{"all", "ALL"},
		{"aLl", "ALL"},
		{" SYS_ADMIN", "CAP_ SYS_ADMIN"}, // not trimmed: unknown, the daemon rejects it
		{"CAP_ALL", "CAP_ALL"},
	}
	for _, c := range cases {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDefaultsAreKnown(t *testing.T) {
	if len(Defaults) != 14 {
		t.Fatalf("Docker has 14 default capabilities, got %d", len(Defaults))
	}
	for _, c := range Defaults {
		if !Known(c) {
			t.Errorf("default %s is not known", c)
		}
	}
	if Known("CAP_NOPE") || !Known("CAP_BPF") {
		t.Error("Known is wrong")
	}
	if len(KnownNames()) != 41 {
		t.Errorf("want 41 known capabilities, got %d", len(KnownNames()))
	}
}
