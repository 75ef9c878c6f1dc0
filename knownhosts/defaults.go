package knownhosts

import "path/filepath"

// DefaultFiles returns the known_hosts files ssh reads when ssh_config
// sets neither UserKnownHostsFile nor GlobalKnownHostsFile, in the order
// ssh reads them: home/.ssh/known_hosts, home/.ssh/known_hosts2,
// /etc/ssh/ssh_known_hosts and /etc/ssh/ssh_known_hosts2 (OpenSSH's
// pathnames.h). With home "", only the global files. Usually some of
// them do not exist; open them with Options.SkipMissing, as ssh skips
// them:
//
//	home, _ := os.UserHomeDir()
//	db, err := knownhosts.OpenOptions(knownhosts.Options{SkipMissing: true}, knownhosts.DefaultFiles(home)...)
func DefaultFiles(home string) []string {
	files := []string{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"}
	if home == "" {
		return files
	}
	return append([]string{filepath.Join(home, ".ssh", "known_hosts"), filepath.Join(home, ".ssh", "known_hosts2")}, files...)
}
