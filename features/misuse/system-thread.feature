@misuse
Feature: An exception that escapes a system thread is SYSTEM_THREAD_EXCEPTION_NOT_HANDLED

  Without a user process the processor runs a thread of the System process: driver code that
  raises there, with no handler, bug-checks 0x7E (exception code, address, exception record,
  context record).
  Source: https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x7e--system-thread-exception-not-handled.

  Scenario: IoFreeMdl(NULL) in a system thread
    Given a machine
    Then CurrentProcess->UniqueProcessId is 4
    When the driver calls IoFreeMdl(NULL)
    Then the machine bug-checked with SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (0xC0000005, *, *, *)
