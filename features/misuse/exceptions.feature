@misuse
Feature: An exception no handler takes ends in the bug check of the context it escapes from

  On x64 an exception that escapes driver code running for a system service (a dispatch routine
  reached through NtDeviceIoControlFile, or a driver called from a user thread) is
  SYSTEM_SERVICE_EXCEPTION (0x3B); one that escapes a system thread is
  SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (0x7E); one raised where there is no thread to unwind to
  (a DPC) is KMODE_EXCEPTION_NOT_HANDLED (0x1E). A page fault at DISPATCH_LEVEL is no exception at
  all: IRQL_NOT_LESS_OR_EQUAL (0xA).
  Sources: https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x3b--system-service-exception,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x7e--system-thread-exception-not-handled,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x1e--kmode-exception-not-handled,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xa--irql-not-less-or-equal.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And a driver "Low.sys" with a device "\Device\Low"
    And "app" opens "\Device\Low" as h
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) is noted as IOCTL

  Scenario: a dispatch routine that raises, reached through NtDeviceIoControlFile: SYSTEM_SERVICE_EXCEPTION
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES) |
      | return STATUS_SUCCESS                        |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then the machine bug-checked with SYSTEM_SERVICE_EXCEPTION (0xC000009A, *, *, 0)

  Scenario: a DPC that raises: KMODE_EXCEPTION_NOT_HANDLED
    When "Low.sys" runs a DPC on processor 1:
      | ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES) |
    Then the machine bug-checked with KMODE_EXCEPTION_NOT_HANDLED (0xC000009A, *, *, *)

  Scenario: a DPC that dereferences NULL faults at DISPATCH_LEVEL: IRQL_NOT_LESS_OR_EQUAL, not an exception
    When "Low.sys" runs a DPC on processor 1:
      | IoFreeMdl(NULL) |
    Then the machine bug-checked with IRQL_NOT_LESS_OR_EQUAL (0xA, DISPATCH_LEVEL, 0, *)
