from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from aybiza.api.serializers import ActionReasonSerializer
from aybiza.api.viewsets import CreateReadUpdateViewSet, CreateReadViewSet, ModelViewSet, ReadOnlyViewSet, TimeSeriesMixin

from .. import services
from ..filtersets import (
    PhoneNumberFilterSet,
    PhoneNumberHealthPeriodFilterSet,
    PhoneNumberReservationFilterSet,
    PortingRequestFilterSet,
    SipTrunkFilterSet,
    SipTrunkHealthCheckFilterSet,
)
from ..models import (
    PhoneNumber, PhoneNumberHealthPeriod, PhoneNumberReservation, PortingRequest, SipTrunk, SipTrunkHealthCheck,
)
from .serializers import (
    PhoneNumberHealthPeriodSerializer,
    PhoneNumberReservationSerializer,
    PhoneNumberSerializer,
    PortingRequestSerializer,
    ReservationCompletedSerializer,
    ReservationCompleteSerializer,
    ReservationReserveSerializer,
    ReservationSearchSerializer,
    SipTrunkHealthCheckSerializer,
    SipTrunkSerializer,
)


class PhoneNumberViewSet(CreateReadUpdateViewSet):
    """The tenant's phone numbers. Acquire with phone-number-reservations (or create directly); port in with porting-requests."""

    scope = "phone-numbers"
    queryset = PhoneNumber.objects.all()
    serializer_class = PhoneNumberSerializer
    filterset_class = PhoneNumberFilterSet
    ordering_fields = ("number", "created_at", "status")
    ordering = ("number",)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        tenant = self.tenant_object(data)
        serializer.instance = services.phone_number_create(tenant=tenant, **self.service_kwargs(), **data)


class PhoneNumberReservationViewSet(CreateReadViewSet):
    """Reserving a new number: create (country, area code) -> search -> reserve one -> complete."""

    scope = "phone-number-reservations"
    queryset = PhoneNumberReservation.objects.all()
    serializer_class = PhoneNumberReservationSerializer
    filterset_class = PhoneNumberReservationFilterSet
    ordering_fields = ("created_at", "status", "reservation_expires_at")
    ordering = ("-created_at", "id")

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=ReservationSearchSerializer, responses=PhoneNumberReservationSerializer)
    @action(detail=True, methods=["post"])
    def search(self, request, pk=None):
        """Fill available_numbers with numbers free for this country and area code."""
        reservation = self.get_object()
        data = self._input(ReservationSearchSerializer)
        reservation = services.reservation_offer(reservation=reservation, count=data["count"],
                                                 **self.service_kwargs())
        return Response(self.get_serializer(reservation).data)

    @extend_schema(request=ReservationReserveSerializer, responses=PhoneNumberReservationSerializer)
    @action(detail=True, methods=["post"])
    def reserve(self, request, pk=None):
        """Hold one of available_numbers for a while (reservation_expires_at)."""
        reservation = self.get_object()
        data = self._input(ReservationReserveSerializer)
        reservation = services.reservation_reserve(reservation=reservation, number=data["number"],
                                                   **self.service_kwargs())
        return Response(self.get_serializer(reservation).data)

    @extend_schema(request=ReservationCompleteSerializer, responses=ReservationCompletedSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Acquire the reserved number: returns the reservation and the new phone number."""
        reservation = self.get_object()
        data = self._input(ReservationCompleteSerializer)
        reservation, number = services.reservation_complete(reservation=reservation, provider=data["provider"],
                                                            **self.service_kwargs())
        context = self.get_serializer_context()
        return Response({"reservation": PhoneNumberReservationSerializer(reservation, context=context).data,
                         "phone_number": PhoneNumberSerializer(number, context=context).data})


class PortingRequestViewSet(CreateReadViewSet):
    """Porting a number in from another carrier. Follow `status`; submit, or cancel while it is not done."""

    scope = "porting-requests"
    queryset = PortingRequest.objects.all()
    serializer_class = PortingRequestSerializer
    filterset_class = PortingRequestFilterSet
    ordering_fields = ("created_at", "status", "estimated_completion")
    ordering = ("-created_at", "id")
    service_object_kwarg = "porting_request"

    @extend_schema(request=ActionReasonSerializer, responses=PortingRequestSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send a pending request to the carrier (pending -> submitted)."""
        return self.transition(services.porting_request_submit)

    @extend_schema(request=ActionReasonSerializer, responses=PortingRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a request that has not completed."""
        return self.transition(services.porting_request_cancel)


class SipTrunkViewSet(ModelViewSet):
    """Bring-your-own-carrier SIP trunks. Credentials are write-only."""

    scope = "sip-trunks"
    queryset = SipTrunk.objects.all()
    serializer_class = SipTrunkSerializer
    filterset_class = SipTrunkFilterSet
    ordering_fields = ("name", "created_at", "status")
    ordering = ("name", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        tenant = self.tenant_object(data)
        serializer.instance = services.sip_trunk_create(tenant=tenant, **self.service_kwargs(), **data)


class SipTrunkHealthCheckViewSet(TimeSeriesMixin, ReadOnlyViewSet):
    """History of the SIP OPTIONS probes of the tenant's trunks (newest first). Filter by sip_trunk_id."""

    scope = "sip-trunks"
    queryset = SipTrunkHealthCheck.objects.all()
    serializer_class = SipTrunkHealthCheckSerializer
    filterset_class = SipTrunkHealthCheckFilterSet
    ordering_fields = ("checked_at",)
    ordering = ("-checked_at",)


class PhoneNumberHealthPeriodViewSet(TimeSeriesMixin, ReadOnlyViewSet):
    """How the health of the tenant's numbers changed, with the reason (one row per status period)."""

    scope = "phone-numbers"
    queryset = PhoneNumberHealthPeriod.objects.all()
    serializer_class = PhoneNumberHealthPeriodSerializer
    filterset_class = PhoneNumberHealthPeriodFilterSet
    ordering_fields = ("last_checked_at",)
    ordering = ("-last_checked_at",)
