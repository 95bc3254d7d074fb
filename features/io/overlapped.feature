@io
Feature: Overlapped I/O from the caller's side: the OVERLAPPED, its event and GetOverlappedResult

  On a handle opened with FILE_FLAG_OVERLAPPED, kernel32 sets the OVERLAPPED's Internal to
  STATUS_PENDING and InternalHigh to 0, and passes it to the service as the IO_STATUS_BLOCK with
  its hEvent as the Event: the service resets the event, and stage 2 of completion writes the
  status and the byte count into the OVERLAPPED and signals the event. DeviceIoControl, ReadFile
  and WriteFile return FALSE with ERROR_IO_PENDING while the request is pending;
  GetOverlappedResult reads the OVERLAPPED: ERROR_IO_INCOMPLETE while it is pending and bWait is
  FALSE, a wait on the event when bWait is TRUE, then TRUE with the byte count, or FALSE with
  RtlNtStatusToDosError of the final status. The OVERLAPPED's Offset is the ByteOffset of a read
  or write.
  Sources: https://learn.microsoft.com/windows/win32/sync/synchronization-and-overlapped-input-and-output,
  https://learn.microsoft.com/windows/win32/api/ioapiset/nf-ioapiset-getoverlappedresult,
  Wine's kernelbase DeviceIoControl, ReadFile and GetOverlappedResultEx, checked by its tests
  against Windows (https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernelbase/file.c,
  https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernel32/tests/file.c).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) is noted as IOCTL_ASK
    And a driver "Echo.sys" with a device "\Device\Echo"
    And "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | pending = Irp           |
      | IoMarkIrpPending(Irp)   |
      | return STATUS_PENDING   |
    And "app" opens "\Device\Echo" overlapped as h
    And "app" creates an event as ev
    And "app" prepares an OVERLAPPED as ov with event ev

  @ddi:IoMarkIrpPending @ddi:IoCompleteRequest
  Scenario: pending, incomplete, then complete: the event and the OVERLAPPED tell the caller
    When "app" calls DeviceIoControl(h, IOCTL_ASK, in, 8, out, 0x10, &ov) as r
    Then these hold:
      | expression                 | value           |
      | r->ReturnValue             | STATUS_PENDING  |
      | r->Win32Result             | FALSE           |
      | r->LastError               | ERROR_IO_PENDING |
      | ov->Internal               | STATUS_PENDING  |
      | ev->Header.SignalState     | 0               |
    When "app" calls GetOverlappedResult(h, &ov, FALSE) as g
    Then g->Win32Result is FALSE
    And g->LastError is ERROR_IO_INCOMPLETE
    When "Echo.sys" runs a DPC on processor 1:
      | RtlCopyMemory(pending->AssociatedIrp.SystemBuffer, "ANSWER", 6) |
      | pending->IoStatus.Information = 6                               |
      | pending->IoStatus.Status = STATUS_SUCCESS                       |
      | IoCompleteRequest(pending, IO_NO_INCREMENT)                     |
    And "app" calls GetOverlappedResult(h, &ov, FALSE) as g2
    Then these hold:
      | expression                 | value          |
      | ov->Internal               | STATUS_SUCCESS |
      | ov->InternalHigh           | 6              |
      | ev->Header.SignalState     | 1              |
      | g2->Win32Result            | TRUE           |
      | g2->BytesTransferred       | 6              |
    And "app" reads "ANSWER" at out

  @ddi:IoCompleteRequest
  Scenario: the request completes with an error after pending: GetOverlappedResult is FALSE with its Win32 code
    When "app" calls DeviceIoControl(h, IOCTL_ASK, in, 8, out, 0x10, &ov) as r
    And "Echo.sys" runs a DPC on processor 1:
      | pending->IoStatus.Status = STATUS_INVALID_PARAMETER |
      | IoCompleteRequest(pending, IO_NO_INCREMENT)         |
    And "app" calls GetOverlappedResult(h, &ov, TRUE) as g
    Then g->Win32Result is FALSE
    And g->LastError is ERROR_INVALID_PARAMETER
    And ov->Internal is STATUS_INVALID_PARAMETER

  Scenario: bWait TRUE on a request nothing will ever complete: the caller's thread waits for ever
    When "app" calls DeviceIoControl(h, IOCTL_ASK, in, 8, out, 0x10, &ov) as r
    And "app" calls GetOverlappedResult(h, &ov, TRUE) as g
    Then the current thread hung in KeWaitForSingleObject

  @ddi:IoCompleteRequest
  Scenario: bWait TRUE while the device finishes the request: the wait lets it, then TRUE
    Given "Echo.sys"'s device interrupts for each request the driver pends, with a DPC on processor 1:
      | Irp->IoStatus.Information = 3           |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
    When "app" calls DeviceIoControl(h, IOCTL_ASK, in, 8, out, 0x10, &ov) as r
    Then r->LastError is ERROR_IO_PENDING
    When "app" calls GetOverlappedResult(h, &ov, TRUE) as g
    Then g->Win32Result is TRUE
    And g->BytesTransferred is 3
    And ev->Header.SignalState is 1

  @ddi:IoCompleteRequest
  Scenario: the OVERLAPPED's Offset is the read's ByteOffset
    Given "Echo.sys" handles IRP_MJ_READ with:
      | offset = IrpSp->Parameters.Read.ByteOffset |
      | Irp->IoStatus.Information = 0              |
      | Irp->IoStatus.Status = STATUS_SUCCESS      |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)    |
      | return STATUS_SUCCESS                      |
    And "app" prepares an OVERLAPPED as ov2 with event ev at offset 0x200
    When "app" calls ReadFile(h, out, 0x10, &ov2) as r
    Then offset is 0x200
    And r->ReturnValue is STATUS_SUCCESS
    And ov2->Internal is STATUS_SUCCESS
    And ev->Header.SignalState is 1
