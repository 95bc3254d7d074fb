@io
Feature: What the user-mode caller sees: TRUE or FALSE, GetLastError and the byte count

  kernel32's DeviceIoControl, ReadFile and WriteFile turn the service's NTSTATUS and the caller's
  IO_STATUS_BLOCK into a BOOL, *lpBytesReturned and the thread's last error: DeviceIoControl fails
  on STATUS_PENDING and on every status that is not NT_SUCCESS -- warnings such as
  STATUS_BUFFER_OVERFLOW included -- yet still writes the byte count unless the status is an
  error; a synchronous ReadFile at end of file succeeds with 0 bytes. The last error is
  RtlNtStatusToDosError of the status.
  Sources: Wine's kernelbase DeviceIoControl and ReadFile, checked by its tests against Windows
  (https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernelbase/file.c,
  https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernel32/tests/file.c);
  https://learn.microsoft.com/windows/win32/api/ioapiset/nf-ioapiset-deviceiocontrol;
  https://learn.microsoft.com/windows/win32/api/winternl/nf-winternl-rtlntstatustodoserror.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) is noted as IOCTL_ASK
    And a driver "Echo.sys" with a device "\Device\Echo"

  @ddi:IoCompleteRequest
  Scenario Outline: a driver completes with <status>: DeviceIoControl returns <result>
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, "ANSWER", 6) |
      | Irp->IoStatus.Information = <information>                   |
      | Irp->IoStatus.Status = <status>                             |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                     |
      | return <status>                                             |
    And "app" opens "\Device\Echo" as h
    When "app" calls DeviceIoControl(h, IOCTL_ASK, in, 8, out, 0x10) as r
    Then these hold:
      | expression                | value         |
      | r->ReturnValue            | <status>      |
      | r->IoStatus.Information   | <information> |
      | r->Win32Result            | <result>      |
      | r->BytesReturned          | <information> |

    Examples:
      | status                 | information | result |
      | STATUS_SUCCESS         | 6           | TRUE   |
      | STATUS_BUFFER_OVERFLOW | 4           | FALSE  |

  @ddi:IoCompleteRequest
  Scenario: a warning fails the call, yet the byte count is written: ERROR_MORE_DATA
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | Irp->IoStatus.Information = 4                |
      | Irp->IoStatus.Status = STATUS_BUFFER_OVERFLOW |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)      |
      | return STATUS_BUFFER_OVERFLOW                |
    And "app" opens "\Device\Echo" as h
    When "app" calls DeviceIoControl(h, IOCTL_ASK, in, 8, out, 0x10) as r
    Then r->Win32Result is FALSE
    And r->LastError is ERROR_MORE_DATA
    And r->BytesReturned is 4

  @ddi:IoCompleteRequest @ddi:RtlNtStatusToDosError
  Scenario Outline: an error status: FALSE, and GetLastError is <error>
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | Irp->IoStatus.Status = <status>         |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return <status>                         |
    And "app" opens "\Device\Echo" as h
    When "app" calls DeviceIoControl(h, IOCTL_ASK, in, 8, out, 0x10) as r
    Then r->ReturnValue is <status>
    And r->Win32Result is FALSE
    And r->LastError is <error>
    When the driver calls e = RtlNtStatusToDosError(<status>)
    Then e is <error>

    Examples:
      | status                        | error                     |
      | STATUS_INVALID_DEVICE_REQUEST | ERROR_INVALID_FUNCTION    |
      | STATUS_NOT_SUPPORTED          | ERROR_NOT_SUPPORTED       |
      | STATUS_INSUFFICIENT_RESOURCES | ERROR_NO_SYSTEM_RESOURCES |
      | STATUS_BUFFER_TOO_SMALL       | ERROR_INSUFFICIENT_BUFFER |
      | STATUS_CANCELLED              | ERROR_OPERATION_ABORTED   |
      | STATUS_ACCESS_DENIED          | ERROR_ACCESS_DENIED       |
      | STATUS_DEVICE_BUSY            | ERROR_BUSY                |

  Scenario: an output buffer the caller cannot write: the service fails before any IRP, ERROR_NOACCESS
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And "app" opens "\Device\Echo" as h
    When "app" calls DeviceIoControl(h, IOCTL_ASK, in, 8, 0xFFFFF80000000000, 0x10) as r
    Then r->ReturnValue is STATUS_ACCESS_VIOLATION
    And r->Win32Result is FALSE
    And r->LastError is ERROR_NOACCESS

  @ddi:IoCompleteRequest
  Scenario: a synchronous ReadFile at end of file succeeds with 0 bytes
    Given "Echo.sys" handles IRP_MJ_READ with:
      | Irp->IoStatus.Information = 0           |
      | Irp->IoStatus.Status = STATUS_END_OF_FILE |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_END_OF_FILE               |
    And "app" opens "\Device\Echo" as h
    When "app" calls ReadFile(h, out, 0x10) as r
    Then r->ReturnValue is STATUS_END_OF_FILE
    # The I/O manager did not write the caller's block for a synchronous error...
    And r->IoStatus.Status is 0xCCCCCCCC
    # ...so ReadFile reports the 0 it put in its own block before the call.
    And r->Win32Result is TRUE
    And r->BytesReturned is 0
