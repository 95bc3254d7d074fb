@io
Feature: A dispatch routine probes a METHOD_NEITHER buffer inside its own __try, and reports what it caught

  Microsoft: a driver that uses a METHOD_NEITHER buffer must probe and touch it inside
  __try/__except; the caught status is the driver's to return. A scenario-defined routine writes
  this in one row: __try { ... } __except (EXCEPTION_EXECUTE_HANDLER) { ... }, with
  GetExceptionCode() in the handler, statements separated by ';', typed stores such as
  *(PULONG)p = value. A step run inside __try names what it caught as caughtStatus.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/kernel/using-neither-buffered-nor-direct-i-o,
  https://learn.microsoft.com/windows-hardware/drivers/kernel/handling-exceptions.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And a driver "Neither.sys" with a device "\Device\Neither"
    And "Neither.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | status = STATUS_SUCCESS                                                                                                              |
      | __try { ProbeForWrite(Irp->UserBuffer, 4, 1); *(PULONG)(Irp->UserBuffer) = 0x1234 } __except (EXCEPTION_EXECUTE_HANDLER) { status = GetExceptionCode() } |
      | Irp->IoStatus.Status = status                                                                                                         |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                                                                                               |
      | return status                                                                                                                         |
    And "app" opens "\Device\Neither" as h
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_NEITHER, FILE_ANY_ACCESS) is noted as IOCTL

  Scenario: a valid buffer: the probe passes and the store lands in the caller's page
    When "app" calls DeviceIoControl(h, IOCTL, NULL, 0, out + 0x10, 4) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And db(out + 0x10) is 0x34
    And db(out + 0x11) is 0x12

  Scenario: a kernel address passed as the buffer: the probe raises, the handler returns STATUS_ACCESS_VIOLATION
    When "app" calls DeviceIoControl(h, IOCTL, NULL, 0, 0xFFFFF80000000000, 4) as r
    Then r->ReturnValue is STATUS_ACCESS_VIOLATION
    And the machine is running

  Scenario: caughtStatus names what a step's __try caught, so outcomes can be combined
    When the driver calls MmProbeAndLockPages(NULL, KernelMode, IoReadAccess) inside __try
    Then caughtStatus == STATUS_ACCESS_VIOLATION || caughtStatus == STATUS_INVALID_PARAMETER is 1
