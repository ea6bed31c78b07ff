package loadtest

import "syscall"

// childAttr kills the launcher's child when the launcher dies, so that a
// cancelled call leaves no plugin process behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
