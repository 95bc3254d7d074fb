@io
Feature: METHOD_NEITHER: raw user addresses, nothing probed, nothing copied

  The I/O manager passes the caller's input address in Parameters.DeviceIoControl.Type3InputBuffer
  and the output address in Irp->UserBuffer, unprobed; the driver must probe them inside
  __try/__except and may use them only in the requester's context.
  Sources: MS "Using Neither Buffered Nor Direct I/O"; ReactOS IopDeviceFsIoControl.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And "app" writes "question" at in
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_NEITHER, FILE_ANY_ACCESS) is noted as IOCTL_NEITHER

  Scenario: the driver gets the caller's addresses as they are, and no buffer, flag or MDL
    Given a driver "Raw.sys" with a device "\Device\Raw"
    And "Raw.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | type3 = IrpSp->Parameters.DeviceIoControl.Type3InputBuffer |
      | userBuffer = Irp->UserBuffer                               |
      | sys = Irp->AssociatedIrp.SystemBuffer                      |
      | mdl = Irp->MdlAddress                                      |
      | flags = Irp->Flags                                         |
      | mode = Irp->RequestorMode                                  |
      | Irp->IoStatus.Status = STATUS_SUCCESS                      |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                    |
      | return STATUS_SUCCESS                                      |
    And "app" opens "\Device\Raw" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, in, 8, out, 0x100) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And these hold:
      | expression | value    |
      | type3      | in       |
      | userBuffer | out      |
      | sys        | NULL     |
      | mdl        | NULL     |
      | flags      | 0        |
      | mode       | UserMode |

  Scenario: nothing is probed: a kernel address passes through to the driver
    Given a driver "Raw.sys" with a device "\Device\Raw"
    And "Raw.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | userBuffer = Irp->UserBuffer          |
      | Irp->IoStatus.Status = STATUS_SUCCESS |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                 |
    And "app" opens "\Device\Raw" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, 0xFFFFF80000001000, 0x100) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And userBuffer is 0xFFFFF80000001000

  Scenario: the function driver probes the output inside __try and writes the reply in the caller's context
    Given the function driver "Func.sys" with a device "\Device\Func" using DO_BUFFERED_IO
    And "Func.sys" replies "pong"
    And "app" opens "\Device\Func" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, in, 8, out, 0x100) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And r->IoStatus.Information is 4
    And "app" reads "pong" at out

  Scenario: a kernel address as output fails the function driver's ProbeForWrite, not the machine
    Given the function driver "Func.sys" with a device "\Device\Func" using DO_BUFFERED_IO
    And "app" opens "\Device\Func" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, 0xFFFFF80000001000, 0x100) as r
    Then r->ReturnValue is STATUS_ACCESS_VIOLATION
    And the machine is running

  Scenario: a handler written as C is written: __try over several rows, a loop with i++, pointer arithmetic on PUCHAR
    # A METHOD_NEITHER handler must probe inside __try/__except and may touch the buffers only
    # there (https://learn.microsoft.com/windows-hardware/drivers/kernel/using-neither-buffered-nor-direct-i-o).
    # Blocks span rows, closing braces and "} __except (...) {" on rows of their own.
    Given a driver "Raw.sys" with a device "\Device\Raw"
    And "Raw.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | src = IrpSp->Parameters.DeviceIoControl.Type3InputBuffer  |
      | dst = Irp->UserBuffer                                     |
      | n = IrpSp->Parameters.DeviceIoControl.InputBufferLength   |
      | status = STATUS_SUCCESS                                   |
      | __try {                                                   |
      |     ProbeForRead(src, n, 1);                              |
      |     ProbeForWrite(dst, n, 1);                             |
      |     for (i = 0; i < n; i++) {                             |
      |         *((PUCHAR)dst + i) = *((PUCHAR)src + i) + 1;      |
      |     }                                                     |
      |     Irp->IoStatus.Information = n;                        |
      | } __except (EXCEPTION_EXECUTE_HANDLER) {                  |
      |     status = GetExceptionCode();                          |
      | }                                                         |
      | Irp->IoStatus.Status = status                             |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                   |
      | return status                                             |
    And "app" opens "\Device\Raw" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, in, 8, out, 0x100) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And r->IoStatus.Information is 8
    And i is 8
    And "app" reads "rvftujpo" at out
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, in, 8, 0xFFFFF80000000000, 0x100) as r2
    Then r2->ReturnValue is STATUS_ACCESS_VIOLATION
    And status is STATUS_ACCESS_VIOLATION
