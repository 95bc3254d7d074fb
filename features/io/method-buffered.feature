@io @ddi:IoCompleteRequest
Feature: METHOD_BUFFERED: one system buffer of max(in, out), and Information bytes copied back

  For METHOD_BUFFERED the I/O manager allocates one nonpaged system buffer of
  max(InputBufferLength, OutputBufferLength), copies the caller's input into it, and after
  completion copies IoStatus.Information bytes back to the caller's output buffer, in the caller's
  thread (stage 2, a special kernel APC), unless the status is an error.
  Sources: MS "Buffer Descriptions for I/O Control Codes"; ReactOS iofunc.c IopDeviceFsIoControl and
  irp.c IopCompleteRequest (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/irp.c).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And "app" writes "question" at in
    And a driver "Echo.sys" with a device "\Device\Echo"
    And "app" opens "\Device\Echo" as h
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) is noted as IOCTL_ECHO

  Scenario Outline: the driver sees one system buffer of max(<in>, <out>) holding the input; the caller gets Information bytes back
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | sys = Irp->AssociatedIrp.SystemBuffer                          |
      | inLen = IrpSp->Parameters.DeviceIoControl.InputBufferLength    |
      | outLen = IrpSp->Parameters.DeviceIoControl.OutputBufferLength  |
      | flags = Irp->Flags                                             |
      | userBuffer = Irp->UserBuffer                                   |
      | size = pool(sys)->Size                                         |
      | RtlCopyMemory(sys, "ANSWER", <written>)                        |
      | Irp->IoStatus.Information = <info>                             |
      | Irp->IoStatus.Status = STATUS_SUCCESS                          |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                        |
      | return STATUS_SUCCESS                                          |
    When "app" calls DeviceIoControl(h, IOCTL_ECHO, in, <in>, out, <out>) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And inLen is <in>
    And outLen is <out>
    And size is <size>
    And flags is IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | IRP_INPUT_OPERATION
    And userBuffer is out
    And r->IoStatus.Status is STATUS_SUCCESS
    And r->IoStatus.Information is <info>
    And "app" reads "<back>" at out

    Examples:
      | in | out  | size | written | info | back   |
      | 8  | 0x10 | 0x10 | 6       | 6    | ANSWER |
      | 8  | 4    | 8    | 6       | 4    | ANSW   |
      | 8  | 0x10 | 0x10 | 6       | 3    | ANS    |

  Scenario: a request with no input and no output gets no system buffer and no flags
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | sys = Irp->AssociatedIrp.SystemBuffer |
      | flags = Irp->Flags                    |
      | userBuffer = Irp->UserBuffer          |
      | Irp->IoStatus.Status = STATUS_SUCCESS |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                 |
    When "app" calls DeviceIoControl(h, IOCTL_ECHO, NULL, 0, NULL, 0) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And sys is NULL
    And flags is 0
    And userBuffer is NULL

  Scenario: a NULL output buffer turns OutputBufferLength into 0 and the request into no input operation
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | outLen = IrpSp->Parameters.DeviceIoControl.OutputBufferLength |
      | flags = Irp->Flags                                            |
      | Irp->IoStatus.Status = STATUS_SUCCESS                         |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                       |
      | return STATUS_SUCCESS                                         |
    When "app" calls DeviceIoControl(h, IOCTL_ECHO, in, 8, NULL, 0x100) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And outLen is 0
    And flags is IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER

  Scenario Outline: a warning status copies the output back, an error status does not (<status>)
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, "ANSWER", 6) |
      | Irp->IoStatus.Information = 6                               |
      | Irp->IoStatus.Status = <status>                             |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                     |
      | return <status>                                             |
    And "app" writes "untouched" at out
    When "app" calls DeviceIoControl(h, IOCTL_ECHO, in, 8, out, 0x10) as r
    Then r->ReturnValue is <status>
    And "app" reads "<back>" at out
    And r->IoStatus.Status is <iosb>

    Examples:
      | status                  | back      | iosb                    |
      | STATUS_BUFFER_OVERFLOW  | ANSWERhed | STATUS_BUFFER_OVERFLOW  |
      | STATUS_INVALID_PARAMETER | untouched | 0xCCCCCCCC             |

  Scenario: Information larger than what the driver wrote returns stale pool contents to the caller
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, "secret key in pool", 18) |
      | Irp->IoStatus.Information = 0                                            |
      | Irp->IoStatus.Status = STATUS_SUCCESS                                    |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                                  |
      | return STATUS_SUCCESS                                                    |
    And "app" calls DeviceIoControl(h, IOCTL_ECHO, in, 0x20, out, 0x20) as first
    And "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, "ok", 2) |
      | Irp->IoStatus.Information = 18                          |
      | Irp->IoStatus.Status = STATUS_SUCCESS                   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                 |
      | return STATUS_SUCCESS                                   |
    When "app" calls DeviceIoControl(h, IOCTL_ECHO, NULL, 0, out, 0x20) as second
    Then second->IoStatus.Information is 18
    And "app" reads "okcret key in pool" at out

  Scenario: a copy-back into a buffer the caller freed meanwhile replaces the status with the fault
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | pending = Irp                 |
      | IoMarkIrpPending(Irp)         |
      | return STATUS_PENDING         |
    And "app" opens "\Device\Echo" overlapped as ho
    When "app" calls DeviceIoControl(ho, IOCTL_ECHO, in, 8, out, 0x10) as r
    Then r->ReturnValue is STATUS_PENDING
    When "app" frees out
    And "Echo.sys" runs:
      | RtlCopyMemory(pending->AssociatedIrp.SystemBuffer, "ANSWER", 6) |
      | pending->IoStatus.Information = 6                               |
      | pending->IoStatus.Status = STATUS_SUCCESS                       |
      | IoCompleteRequest(pending, IO_NO_INCREMENT)                     |
    Then r->IoStatus.Status is STATUS_ACCESS_VIOLATION
    And r->IoStatus.Information is 6
